"""Fit a model on a corpus, measure it honestly, and write the bundle with its report."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from training.bundle import Manifest, write_bundle
from training.corpus import Corpus
from training.evaluate import (
    choose_thresholds,
    fold_indices,
    heldout_split,
    label_metrics,
    metrics_by_language,
)
from training.fits import FitJob, fold_jobs, out_of_fold, run_fits
from training.pipeline import ModelParams
from training.report import render_markdown

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainOptions:
    """How to split and evaluate; the model itself is described by `params`."""

    folds: int | None = None
    """Cross-validation folds that choose the thresholds; 0: a validation split instead (one
    fit rather than `folds`); None: 5 below LARGE_CORPUS documents, 0 from there on."""
    heldout_fraction: float = 0.2
    validation_fraction: float = 0.1
    """With folds=0, the share of the corpus (taken from the training split) that the
    thresholds are chosen on."""
    seed: int = 0
    n_jobs: int = 2
    """Fits run in parallel processes; 2 matches the machines this is built for."""
    params: ModelParams = field(default_factory=ModelParams)

    def resolved(self, n_docs: int) -> TrainOptions:
        """`auto` folds and linear model made concrete for a corpus of `n_docs` documents."""
        folds = self.folds if self.folds is not None else (5 if n_docs < LARGE_CORPUS else 0)
        return replace(self, folds=folds, params=self.params.for_corpus(n_docs))

    def fit_count(self, n_docs: int) -> int:
        """How many model fits a training run does (for progress bars)."""
        folds = self.resolved(n_docs).folds
        return folds + 2 if folds else 2


LARGE_CORPUS = 30_000
"""From this many documents a training run defaults to a validation split instead of 5-fold
cross-validation: 10 % of such a corpus is 3,000 documents, enough to choose three
thresholds, and the run needs 2 fits instead of 7. Below it, SGD's folds are cheap: the whole
5-fold SGD run took 31 / 57 / 86 s on 10k / 20k / 30k synthetic paragraphs (2 cores), and
out-of-fold scores of the whole training split choose steadier thresholds than a tenth of it.
On the 9,747 seeds SGD scored real-dev micro-F1 0.739 with a validation split and 0.744 with
5 folds (the calibrated LinearSVC: 0.746)."""

Progress = Callable[[str], None]


def train(
    corpus: Corpus,
    out_dir: Path,
    options: TrainOptions,
    progress: Progress = lambda step: None,
    stage: Progress | None = None,
) -> Manifest:
    """Held-out evaluation with thresholds chosen apart from it, then a final fit on all rows.

    The held-out split is never seen while choosing thresholds or fitting the model that
    is scored on it, so its metrics estimate performance on new text of the same kind.
    Thresholds come from out-of-fold scores of cross-validation on the training split, or,
    for large corpora (folds=0), from a validation split of it scored by the held-out model,
    which is then fitted on the rest. The shipped model is fitted on all rows and uses those
    thresholds. All fits are independent and run in parallel; `progress` hears of each fit
    that ends, `stage` (when given) of each step inside a fit.
    """
    started = time.monotonic()
    texts, langs = corpus.texts, corpus.langs
    options = options.resolved(len(texts))
    y = np.asarray(corpus.indicator(), dtype=int)
    labels = list(corpus.labels)
    train_idx, test_idx = heldout_split(y, langs, options.heldout_fraction, options.seed)
    train_langs = [langs[i] for i in train_idx]
    if options.folds:
        folds = fold_indices(y[train_idx], train_langs, options.folds, options.seed)
        jobs = [*fold_jobs(train_idx, folds), FitJob("held-out model", train_idx, test_idx)]
    else:
        share = options.validation_fraction / (1 - options.heldout_fraction)
        fit_pos, validation_pos = heldout_split(y[train_idx], train_langs, share, options.seed)
        validation_idx = train_idx[validation_pos]
        # One model scores the validation rows (thresholds) and the held-out rows (metrics).
        scored = np.concatenate([validation_idx, test_idx])
        jobs = [FitJob("held-out model", train_idx[fit_pos], scored)]
    jobs.append(FitJob("final model", np.arange(len(y)), keep_model=True))
    results = run_fits(
        jobs,
        options.params,
        texts,
        y,
        n_jobs=options.n_jobs,
        on_done=lambda job: progress(job.name),
        on_stage=None if stage is None else lambda job, step: stage(f"{job}: {step}"),
    )
    heldout_scores = results["held-out model"].scores
    assert heldout_scores is not None
    if options.folds:
        selection_name, selection_idx = "cross_validation", train_idx
        selection_scores = out_of_fold(folds, results, len(labels))
        test_scores = heldout_scores
    else:
        selection_name, selection_idx = "validation", validation_idx
        selection_scores = heldout_scores[: len(validation_idx)]
        test_scores = heldout_scores[len(validation_idx) :]
    final = results["final model"].model
    assert final is not None
    thresholds = choose_thresholds(y[selection_idx], selection_scores)
    selection = label_metrics(y[selection_idx], selection_scores, thresholds, labels)
    heldout = label_metrics(y[test_idx], test_scores, thresholds, labels)
    heldout["by_language"] = metrics_by_language(
        y[test_idx], test_scores, thresholds, labels, [langs[i] for i in test_idx]
    )
    metrics = {"heldout": heldout, selection_name: selection}
    manifest_fields = _manifest_fields(corpus, labels, thresholds, metrics, options=options)
    manifest_fields["metrics"]["fit_seconds"] = round(time.monotonic() - started, 1)
    manifest = write_bundle(out_dir, final, manifest_fields, extra_files=_reports)
    logger.info("wrote bundle %s (version %s)", out_dir, manifest.version)
    return manifest


def _manifest_fields(
    corpus: Corpus,
    labels: list[str],
    thresholds: list[float],
    metrics: dict[str, Any],
    *,
    options: TrainOptions,
) -> dict[str, Any]:
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": labels,
        "thresholds": [round(t, 4) for t in thresholds],
        "corpus": {
            "sha256": corpus.sha256(),
            "size": len(corpus.examples),
            "label_counts": corpus.label_counts(),
            "languages": corpus.lang_counts(),
            "median_words": corpus.median_words(),
            "sources": corpus.sources,
            "repeated_texts_merged": corpus.duplicates.merged,
        },
        "metrics": metrics,
        "params": {
            **options.params.as_dict(),
            "folds": options.folds,
            "heldout_fraction": options.heldout_fraction,
            **({} if options.folds else {"validation_fraction": options.validation_fraction}),
            "seed": options.seed,
        },
    }


def _reports(manifest: Manifest) -> dict[str, str]:
    """report.json and report.md: the manifest's measurements, for people and for tools."""
    report = {
        "version": manifest.version,
        "created_at": manifest.created_at,
        "labels": manifest.labels,
        "thresholds": manifest.thresholds,
        "corpus": manifest.corpus,
        "metrics": manifest.metrics,
        "params": manifest.params,
    }
    return {
        "report.json": json.dumps(report, indent=2, ensure_ascii=False) + "\n",
        "report.md": render_markdown(report),
    }
