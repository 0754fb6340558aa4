"""The label audit: which rows' cross-validated scores contradict their labels."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import TINY_CORPUS
from training.__main__ import main
from training.audit import label_suspects, render_suspects, suspects_from_scores
from training.corpus import Corpus, Example, load_corpus
from training.pipeline import ModelParams

LABELS = ("security", "sovereignty")


def corpus_of(*labels: tuple[str, ...]) -> Corpus:
    examples = [
        Example(f"text {i}", frozenset(row), origin=f"c.jsonl:{i + 1}")
        for i, row in enumerate(labels)
    ]
    return Corpus(examples, labels=LABELS)


def test_a_row_scored_like_the_other_side_of_its_label_is_a_suspect() -> None:
    corpus = corpus_of(("security",), ("security",), ("security",), (), (), ())
    # security: positives' mean 0.6, negatives' mean 0.3.
    scores = np.array([[0.9, 0], [0.8, 0], [0.1, 0], [0.05, 0], [0.15, 0], [0.7, 0]])
    suspects = suspects_from_scores(corpus, scores)
    assert [(s.origin, s.question) for s in suspects] == [
        ("c.jsonl:3", "unsupported security"),  # labelled, scored 0.1 < 0.3
        ("c.jsonl:6", "missing security"),  # unlabelled, scored 0.7 > 0.6
    ]
    assert suspects[0].disagreement == pytest.approx(0.9)
    assert suspects[0].labels == ("security",)


def test_suspects_come_most_contradicted_first_across_labels() -> None:
    corpus = corpus_of(("security",), ("sovereignty",), ("security",), ())
    # security: negatives' mean 0.35, so row 3 (0.2) is doubted; sovereignty: positives'
    # mean 0.4, so row 4 (0.95) is missing it, and further from its label.
    scores = np.array([[0.9, 0.0], [0.4, 0.4], [0.2, 0.1], [0.3, 0.95]])
    questions = [s.question for s in suspects_from_scores(corpus, scores)]
    assert questions == ["missing sovereignty", "unsupported security"]


def test_a_label_every_row_or_no_row_carries_has_no_suspects() -> None:
    corpus = corpus_of(("security",), ("security",))
    scores = np.array([[0.9, 0.8], [0.1, 0.0]])
    assert suspects_from_scores(corpus, scores) == []


def test_render_counts_each_question_and_trims_long_texts() -> None:
    corpus = Corpus(
        [
            Example("word " * 50, frozenset({"security"}), origin="c.jsonl:1"),
            Example("short", frozenset(), origin="c.jsonl:2"),
        ],
        labels=LABELS,
    )
    # With one row per side the means are the rows' own scores, so score them past each other.
    suspects = suspects_from_scores(corpus, np.array([[0.2, 0.0], [0.3, 0.0]]))
    text = render_suspects(suspects, LABELS, show=1)
    assert "audit: 2 suspect label(s) in 2 row(s)" in text
    assert "security           unsupported 1, missing 1" in text
    assert "sovereignty        unsupported 0, missing 0" in text
    assert text.count("c.jsonl:") == 1  # --show 1
    assert "…" in text


def test_a_deliberately_wrong_label_is_found(tmp_path: Path) -> None:
    """A weather report labelled `security` in the tiny corpus: the audit doubts that label."""
    rows = [json.loads(line) for line in TINY_CORPUS.read_text(encoding="utf-8").splitlines()]
    weather = next(i for i, row in enumerate(rows) if row["text"].startswith("Heavy rain"))
    rows[weather]["labels"] = ["security"]
    path = tmp_path / "flipped.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    corpus = load_corpus([path], min_per_label=5)
    suspects = label_suspects(corpus, ModelParams(min_df=1), folds=3, n_jobs=1)
    found = {(s.origin, s.question) for s in suspects}
    assert (f"{path}:{weather + 1}", "unsupported security") in found


def test_audit_command_prints_and_writes_the_suspects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "suspects.jsonl"
    args = [str(TINY_CORPUS), "--folds", "3", "--min-per-label", "5", "--jobs", "1"]
    assert main(["audit", *args, "--out", str(out)]) == 0
    stdout = capsys.readouterr().out
    assert "corpus: 40 documents" in stdout
    assert "audit:" in stdout  # the progress bar, then the summary
    assert f"written: {out}" in stdout
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rows, "the tiny corpus's 3-fold models always doubt some labels"
    assert set(rows[0]) == {"origin", "question", "score", "labels", "text"}
    assert all(str(TINY_CORPUS) in row["origin"] for row in rows)


def test_audit_refuses_a_validation_split(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", str(TINY_CORPUS), "--folds", "0", "--min-per-label", "5"]) == 2
    assert "needs 2 or more folds" in capsys.readouterr().err


def test_audit_refuses_a_negative_count_to_show(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", str(TINY_CORPUS), "--show", "-1"])
    assert exit_info.value.code == 2
    assert "must be 0 or more" in capsys.readouterr().err
