"""Learning curve: external scores of models trained on growing fractions of a corpus."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from training.corpus import LABELS, Corpus
from training.evaluate import choose_thresholds, fold_indices, strata
from training.external import euvsdisinfo, real_dev
from training.fits import FitJob, fold_jobs, out_of_fold, run_fits
from training.pipeline import ModelParams

CURVE_FOLDS = 3
"""Fewer folds than `fit`: each point only needs thresholds, and the curve has many points."""


def learning_curve(
    corpus: Corpus,
    eval_dir: Path,
    fractions: Sequence[float],
    *,
    params: ModelParams,
    seed: int = 0,
    n_jobs: int = 2,
    progress: Callable[[str], None] = lambda step: None,
) -> list[dict[str, Any]]:
    """For each fraction: a stratified sample, CV thresholds, a fit, and the external scores."""
    y = np.asarray(corpus.indicator(), dtype=int)
    params = params.for_corpus(len(y))  # one kind of model at every point of the curve
    points = []
    for fraction in fractions:
        index = np.arange(len(y))
        if fraction < 1:
            index, _ = train_test_split(
                index,
                train_size=fraction,
                random_state=seed,
                stratify=strata(y, corpus.langs, CURVE_FOLDS),
            )
        texts = [corpus.texts[i] for i in index]
        langs = [corpus.langs[i] for i in index]
        folds = fold_indices(y[index], langs, CURVE_FOLDS, seed)
        rows = np.arange(len(index))
        jobs = [*fold_jobs(rows, folds), FitJob("model", rows, keep_model=True)]
        results = run_fits(jobs, params, texts, y[index], n_jobs=n_jobs)
        oof = out_of_fold(folds, results, len(LABELS))
        thresholds = choose_thresholds(y[index], oof)
        model = results["model"].model
        assert model is not None
        dev = real_dev(eval_dir, model.predict_proba, thresholds)
        eu = euvsdisinfo(eval_dir, model.predict_proba, thresholds)
        points.append(
            {
                "documents": len(index),
                "dev_micro_f1": dev["micro_f1"],
                "dev_macro_f1": dev["macro_f1"],
                "euvsdisinfo_roc_auc": {k: v["roc_auc"] for k, v in eu["labels"].items()},
            }
        )
        progress(f"{len(index)} documents: dev micro-F1 {dev['micro_f1']:.3f}")
    return points


def render_curve(points: list[dict[str, Any]]) -> str:
    lines = [
        "| documents | real dev micro-F1 | real dev macro-F1 | EUvsDisinfo ROC-AUC "
        + " / ".join(LABELS)
        + " |",
        "|---:|---:|---:|---|",
    ]
    for p in points:
        aucs = " / ".join(f"{p['euvsdisinfo_roc_auc'][label]:.3f}" for label in LABELS)
        lines.append(
            f"| {p['documents']:,} | {p['dev_micro_f1']:.3f} | {p['dev_macro_f1']:.3f} | {aucs} |"
        )
    return "\n".join(lines)
