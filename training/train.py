"""Fit a model on a corpus, measure it honestly, and write the bundle with its report."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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

    folds: int = 5
    heldout_fraction: float = 0.2
    seed: int = 0
    n_jobs: int = 2
    """Fits run in parallel processes; 2 matches the machines this is built for."""
    params: ModelParams = field(default_factory=ModelParams)


Progress = Callable[[str], None]


def train(
    corpus: Corpus, out_dir: Path, options: TrainOptions, progress: Progress = lambda step: None
) -> Manifest:
    """Held-out evaluation with CV-chosen thresholds, then a final fit on the whole corpus.

    The held-out split is never seen while choosing thresholds or fitting the model that
    is scored on it, so its metrics estimate performance on new text of the same kind.
    The shipped model is fitted on all rows and uses the thresholds chosen by
    cross-validation on the training split. All fits are independent and run in parallel.
    """
    started = time.monotonic()
    texts, langs = corpus.texts, corpus.langs
    params = options.params.for_corpus(len(texts))
    y = np.asarray(corpus.indicator(), dtype=int)
    labels = list(corpus.labels)
    train_idx, test_idx = heldout_split(y, langs, options.heldout_fraction, options.seed)
    folds = fold_indices(y[train_idx], [langs[i] for i in train_idx], options.folds, options.seed)
    jobs = [
        *fold_jobs(train_idx, folds),
        FitJob("held-out model", train_idx, test_idx),
        FitJob("final model", np.arange(len(y)), keep_model=True),
    ]
    results = run_fits(
        jobs,
        params,
        texts,
        y,
        n_jobs=options.n_jobs,
        on_done=lambda job: progress(job.name),
    )

    oof = out_of_fold(folds, results, len(labels))
    thresholds = choose_thresholds(y[train_idx], oof)
    cv_metrics = label_metrics(y[train_idx], oof, thresholds, labels)
    test_scores = results["held-out model"].scores
    assert test_scores is not None
    heldout = label_metrics(y[test_idx], test_scores, thresholds, labels)
    heldout["by_language"] = metrics_by_language(
        y[test_idx], test_scores, thresholds, labels, [langs[i] for i in test_idx]
    )
    final = results["final model"].model
    assert final is not None
    metrics = {"heldout": heldout, "cross_validation": cv_metrics}
    manifest_fields = _manifest_fields(
        corpus, labels, thresholds, metrics, options=options, params=params
    )
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
    params: ModelParams,
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
            "sources": corpus.sources,
        },
        "metrics": metrics,
        "params": {
            **params.as_dict(),
            "folds": options.folds,
            "heldout_fraction": options.heldout_fraction,
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
