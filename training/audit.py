"""Label audit: the corpus rows whose cross-validated scores contradict their labels.

A row is a suspect for a label when the model that never saw it scores it like the other side:
a labelled row scored below the mean score of the label's negatives, or an unlabelled row above
the mean score of its positives (the per-class thresholds of confident learning, Northcutt et
al. 2021). The means adapt the cut to how sharp the model is on this corpus, so the same rule
serves a 40-row corpus and the 11,000 seeds. Most suspects are the model's errors, not the
corpus's: the list is for a person to read, and nothing is relabelled here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from training.corpus import Corpus
from training.evaluate import fold_indices
from training.fits import FitJob, fold_jobs, out_of_fold, run_fits
from training.pipeline import ModelParams


@dataclass(frozen=True)
class Suspect:
    """One label of one row that its out-of-fold score contradicts."""

    origin: str
    label: str
    labelled: bool
    """True: the corpus gives the label and the model doubts it; False: the model expects it."""
    score: float
    labels: tuple[str, ...]
    text: str

    @property
    def disagreement(self) -> float:
        """How far the score is from the label (1 = as far as it can be)."""
        return 1 - self.score if self.labelled else self.score

    @property
    def question(self) -> str:
        return f"{'unsupported' if self.labelled else 'missing'} {self.label}"

    def as_json(self) -> dict[str, object]:
        return {
            "origin": self.origin,
            "question": self.question,
            "score": round(self.score, 4),
            "labels": list(self.labels),
            "text": self.text,
        }


def label_suspects(
    corpus: Corpus,
    params: ModelParams,
    *,
    folds: int = 5,
    seed: int = 0,
    n_jobs: int = 2,
    on_done: Callable[[FitJob], None] = lambda job: None,
) -> list[Suspect]:
    """Cross-validated scores for every row, then `suspects_from_scores`."""
    y = np.asarray(corpus.indicator(), dtype=int)
    fold_sets = fold_indices(y, corpus.langs, folds, seed)
    rows = np.arange(len(y))
    results = run_fits(
        fold_jobs(rows, fold_sets),
        params.for_corpus(len(y)),
        corpus.texts,
        y,
        n_jobs=n_jobs,
        on_done=on_done,
    )
    return suspects_from_scores(corpus, out_of_fold(fold_sets, results, len(corpus.labels)))


def suspects_from_scores(corpus: Corpus, scores: NDArray[np.float64]) -> list[Suspect]:
    """Every (row, label) whose score lies on the other side of the class means, the most
    contradicted first."""
    y = np.asarray(corpus.indicator(), dtype=bool)
    found = []
    for j, label in enumerate(corpus.labels):
        column = scores[:, j]
        if y[:, j].all() or not y[:, j].any():
            continue  # no other side to compare with
        doubted = y[:, j] & (column < column[~y[:, j]].mean())
        missing = ~y[:, j] & (column > column[y[:, j]].mean())
        for i in np.flatnonzero(doubted | missing):
            example = corpus.examples[i]
            found.append(
                Suspect(
                    origin=example.origin,
                    label=label,
                    labelled=bool(y[i, j]),
                    score=float(column[i]),
                    labels=tuple(lab for lab in corpus.labels if lab in example.labels),
                    text=example.text,
                )
            )
    return sorted(found, key=lambda s: s.disagreement, reverse=True)


def render_suspects(suspects: list[Suspect], labels: tuple[str, ...], show: int) -> str:
    """Counts per label and question, then the `show` most contradicted: score, question and
    row, then the start of the text."""
    rows = len({s.origin for s in suspects})
    lines = [f"audit: {len(suspects):,} suspect label(s) in {rows:,} row(s)"]
    for label in labels:
        unsupported = sum(s.labelled for s in suspects if s.label == label)
        missing = sum(not s.labelled for s in suspects if s.label == label)
        lines.append(f"  {label:<18} unsupported {unsupported:,}, missing {missing:,}")
    if suspects[:show]:
        lines.append("most contradicted (out-of-fold score, question, row):")
    for s in suspects[:show]:
        excerpt = " ".join(s.text.split())
        excerpt = excerpt if len(excerpt) <= EXCERPT else excerpt[: EXCERPT - 1] + "…"
        lines.append(f"  {s.score:.3f}  {s.question:<31} {s.origin}\n         {excerpt}")
    return "\n".join(lines)


EXCERPT = 100
"""Characters of each printed suspect's text; --out has them whole."""
