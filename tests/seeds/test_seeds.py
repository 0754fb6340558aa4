"""The seed corpus: schema, the numbers of the corpus brief, originality, and a current README."""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from training.corpus import LABELS
from training.seedstats import (
    SeedRow,
    near_duplicates,
    ngrams,
    read_seeds,
    replace_block,
    stats_markdown,
)

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"
EVAL = ROOT.parent / "shared" / "eval"
LANG_CODE = re.compile(r"^[a-z]{2}$")
REQUIRED_LANGS = {"en", "fr", "ru", "zh", "es", "de", "ar", "it", "pt", "pl", "bg"}


@pytest.fixture(scope="module")
def rows() -> list[SeedRow]:
    return read_seeds(SEEDS)


def test_rows_follow_the_schema(rows: list[SeedRow]) -> None:
    """Known labels in canonical order, unique ids, language codes, non-empty text."""
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for r in rows:
        assert list(r.labels) == [label for label in LABELS if label in r.labels], r.origin
        assert LANG_CODE.match(r.lang), r.origin
        assert r.text.strip(), r.origin
        assert r.genre, r.origin


def test_corpus_meets_the_brief(rows: list[SeedRow]) -> None:
    """3,000+ texts, 11 required languages with 200+ each, frame and negative shares."""
    assert len(rows) >= 3000
    by_lang: dict[str, list[SeedRow]] = defaultdict(list)
    for r in rows:
        by_lang[r.lang].append(r)
    assert set(by_lang) >= REQUIRED_LANGS
    for lang, group in by_lang.items():
        n = len(group)
        assert n >= 200, lang
        for label in LABELS:
            assert sum(label in r.labels for r in group) >= 0.25 * n, (lang, label)
        assert sum(not r.labels for r in group) >= 0.25 * n, (lang, "no frame")
    assert sum(r.hard_negative for r in rows) >= 0.15 * len(rows)


def test_no_near_duplicates(rows: list[SeedRow]) -> None:
    """No two seed texts share half of their word 5-grams."""
    assert near_duplicates(rows) == []


def external_texts() -> Iterator[str]:
    for path in EVAL.glob("real_texts*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            yield json.loads(line)["text"]
    csv.field_size_limit(1 << 30)
    for path in (EVAL / "sources").glob("euvsdisinfo_*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                yield " ".join(row.get(k) or "" for k in ("title", "summary"))
    for path in (EVAL / "sources").rglob("*.txt"):
        yield path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.skipif(not EVAL.is_dir(), reason="../shared/eval is not present")
def test_no_eight_word_sequence_from_external_texts(rows: list[SeedRow]) -> None:
    """No 8-word sequence of a seed text occurs in the external evaluation texts."""
    seed_grams: dict[str, str] = {}
    for r in rows:
        for gram in ngrams(r.text, 8):
            seed_grams.setdefault(gram, r.id)
    copied = {
        seed_grams[g] for text in external_texts() for g in ngrams(text, 8) if g in seed_grams
    }
    assert not copied, f"seed texts sharing 8 words with external texts: {sorted(copied)}"


def test_readme_statistics_are_current(rows: list[SeedRow]) -> None:
    """seeds/README.md shows the statistics of the current files (`framing-train stats --write`)."""
    readme = (SEEDS / "README.md").read_text(encoding="utf-8")
    assert replace_block(readme, stats_markdown(rows)) == readme
