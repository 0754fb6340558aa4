"""The labelled corpus: read JSONL or CSV files, validate every row, fingerprint the result."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from scoring.cues import word_count
from training.labelmap import LabelMap

LABELS: tuple[str, ...] = ("security", "sovereignty", "colour_revolution")
"""The frames of the codebook, in the order every model and report uses."""

UNKNOWN_LANG = "und"
"""BCP 47 'undetermined', for rows that do not say their language."""

MAX_TEXT_CHARS = 100_000
"""Longer rows are refused: they are almost always a broken export, not an article."""


class CorpusError(ValueError):
    """A corpus file or row that cannot be used, with the place to fix it."""


@dataclass(frozen=True)
class Example:
    """One labelled text."""

    text: str
    labels: frozenset[str]
    lang: str = UNKNOWN_LANG
    origin: str = ""
    """Where the row came from (`file:line`), for error messages and reports."""


@dataclass(frozen=True)
class CsvColumns:
    """Which CSV columns hold the text, the labels and the language."""

    text: str = "text"
    """Text column; several comma-separated columns are joined (e.g. "title,summary")."""
    labels: str = "labels"
    lang: str | None = "lang"
    separator: str = ";"
    """Separates several labels inside the labels cell."""


@dataclass(frozen=True)
class Duplicates:
    """Rows whose text repeats an earlier row's, merged into that row (load_corpus)."""

    merged: int = 0
    """Rows dropped because an earlier row has the same text."""
    relabelled: int = 0
    """Kept rows whose labels grew, because a repeat carried labels they lacked."""

    def describe(self) -> str:
        if not self.merged:
            return "no repeated texts"
        return (
            f"{self.merged:,} repeated text(s) merged into their first row, "
            f"{self.relabelled:,} of them with the union of differing labels"
        )


@dataclass
class Corpus:
    """Validated examples and the label set they use."""

    examples: list[Example]
    labels: tuple[str, ...] = LABELS
    sources: list[str] = field(default_factory=list)
    duplicates: Duplicates = field(default_factory=Duplicates)

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]

    @property
    def langs(self) -> list[str]:
        return [e.lang for e in self.examples]

    def indicator(self) -> list[list[int]]:
        """The label matrix, one 0/1 column per label in `labels` order."""
        return [[int(label in e.labels) for label in self.labels] for e in self.examples]

    def sha256(self) -> str:
        """A fingerprint of the content, independent of file names and row order."""
        lines = sorted(
            json.dumps([e.text, sorted(e.labels), e.lang], ensure_ascii=False)
            for e in self.examples
        )
        return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()

    def label_counts(self) -> dict[str, int]:
        counts = Counter(label for e in self.examples for label in e.labels)
        return {label: counts[label] for label in self.labels}

    def lang_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.langs).items()))

    def median_words(self) -> float:
        return median_words(self.texts)


def median_words(texts: Iterable[str]) -> float:
    """Median length in words (scoring.cues.word_count), at least 1: the reference length the
    cue features scale long texts down to (training/lexicon.py)."""
    return max(float(statistics.median(word_count(text) for text in texts)), 1.0)


def corpus_files(paths: Sequence[Path]) -> list[Path]:
    """Expand directories to the JSONL and CSV files under them, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in {".jsonl", ".csv"})
            if not found:
                raise CorpusError(f"{path}: no .jsonl or .csv files in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise CorpusError(f"{path}: no such file or directory")
    return files


def load_corpus(
    paths: Sequence[Path],
    *,
    labels: Sequence[str] = LABELS,
    columns: CsvColumns | None = None,
    label_map: LabelMap | None = None,
    min_per_label: int = 10,
) -> Corpus:
    """Read and validate every file; raise CorpusError naming the file and line of a bad row."""
    files = corpus_files(paths)
    examples: list[Example] = []
    for path in files:
        rows = (
            _csv_rows(path, columns or CsvColumns()) if path.suffix == ".csv" else _jsonl_rows(path)
        )
        for origin, text, raw_labels, lang in rows:
            examples.append(
                _example(origin, text, raw_labels, lang, labels=labels, label_map=label_map)
            )
    unique, duplicates = _merge_repeated_texts(examples)
    corpus = Corpus(unique, tuple(labels), [str(f) for f in files], duplicates)
    _check_label_support(corpus, min_per_label)
    return corpus


def _merge_repeated_texts(examples: list[Example]) -> tuple[list[Example], Duplicates]:
    """One example per text (whitespace aside), carrying the union of its rows' labels.

    A text that appears twice would otherwise fall on both sides of a held-out split or of
    the cross-validation folds, and the model would be scored on text it was trained on:
    exports of claim databases repeat a claim for every case that cites it (14 % of the
    EUvsDisinfo rows).
    """
    first: dict[str, int] = {}
    unique: list[Example] = []
    relabelled: set[int] = set()
    for example in examples:
        key = " ".join(example.text.split())
        if key not in first:
            first[key] = len(unique)
            unique.append(example)
            continue
        index = first[key]
        kept = unique[index]
        if not example.labels <= kept.labels:
            unique[index] = replace(kept, labels=kept.labels | example.labels)
            relabelled.add(index)
    return unique, Duplicates(len(examples) - len(unique), len(relabelled))


RawRow = tuple[str, object, object, object]


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Decode line by line so an encoding error names its line, not just a byte offset."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise CorpusError(
                    f"{path}:{number}: not valid UTF-8 ({err.reason} at byte {err.start}); "
                    "re-save the file as UTF-8"
                ) from None


def _jsonl_rows(path: Path) -> Iterator[RawRow]:
    for number, line in _lines(path):
        if not line.strip():
            continue
        origin = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            raise CorpusError(f"{origin}: malformed JSON ({err.msg}, column {err.colno})") from None
        if not isinstance(row, dict):
            raise CorpusError(f"{origin}: expected a JSON object, got {type(row).__name__}")
        yield origin, row.get("text"), row.get("labels", []), row.get("lang")


def _csv_rows(path: Path, columns: CsvColumns) -> Iterator[RawRow]:
    text = "".join(line for _, line in _lines(path))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    text_columns = [name.strip() for name in columns.text.split(",")]
    for name in (*text_columns, columns.labels):
        if name not in header:
            raise CorpusError(f"{path}:1: no column {name!r} (columns: {', '.join(header)})")
    lang_column = columns.lang if columns.lang in header else None
    for row in reader:
        origin = f"{path}:{reader.line_num}"
        cell = row.get(columns.labels) or ""
        labels = [part.strip() for part in cell.split(columns.separator) if part.strip()]
        text = " ".join((row.get(name) or "").strip() for name in text_columns).strip()
        yield origin, text, labels, row.get(lang_column) if lang_column else None


def _example(
    origin: str,
    text: object,
    raw_labels: object,
    lang: object,
    *,
    labels: Sequence[str],
    label_map: LabelMap | None,
) -> Example:
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{origin}: 'text' is missing or empty")
    if len(text) > MAX_TEXT_CHARS:
        raise CorpusError(f"{origin}: text has {len(text):,} characters (limit {MAX_TEXT_CHARS:,})")
    if not isinstance(raw_labels, list) or not all(isinstance(x, str) for x in raw_labels):
        raise CorpusError(f"{origin}: 'labels' must be a list of strings, got {raw_labels!r}")
    if label_map is not None:
        mapped = label_map.frames_for(raw_labels)
    else:
        unknown = sorted(set(raw_labels) - set(labels))
        if unknown:
            raise CorpusError(
                f"{origin}: unknown label(s) {', '.join(unknown)}; known: {', '.join(labels)} "
                "(use --label-map to translate other tags)"
            )
        mapped = frozenset(raw_labels)
    if lang is not None and not isinstance(lang, str):
        raise CorpusError(f"{origin}: 'lang' must be a string, got {lang!r}")
    return Example(text, mapped, (lang or UNKNOWN_LANG).strip().lower(), origin)


def _check_label_support(corpus: Corpus, minimum: int) -> None:
    if not corpus.examples:
        raise CorpusError(f"no examples in {', '.join(corpus.sources)}")
    size = len(corpus.examples)
    for label, count in corpus.label_counts().items():
        if count < minimum or size - count < minimum:
            raise CorpusError(
                f"label {label!r} has {count} positive and {size - count} negative examples; "
                f"at least {minimum} of each are needed to train and evaluate it"
            )
