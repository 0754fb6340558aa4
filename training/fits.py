"""Run the independent model fits of a training run in parallel, reporting each as it ends."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import NDArray
from sklearn.pipeline import Pipeline

from training.pipeline import ModelParams, build_pipeline, drop_run_specific_state


@dataclass(frozen=True)
class FitJob:
    """Fit on `train` rows; score `test` rows if any; keep the model if asked."""

    name: str
    train: NDArray[np.int_]
    test: NDArray[np.int_] | None = None
    keep_model: bool = False


@dataclass(frozen=True)
class FitResult:
    job: FitJob
    scores: NDArray[np.float64] | None
    model: Pipeline | None


Folds = Sequence[tuple[NDArray[np.int_], NDArray[np.int_]]]


def _fold_name(k: int, folds: Folds) -> str:
    return f"fold {k + 1}/{len(folds)}"


def fold_jobs(rows: NDArray[np.int_], folds: Folds) -> list[FitJob]:
    """One job per cross-validation fold; `folds` index into `rows` (corpus row numbers)."""
    return [
        FitJob(_fold_name(k, folds), rows[fit], rows[score]) for k, (fit, score) in enumerate(folds)
    ]


def out_of_fold(folds: Folds, results: dict[str, FitResult], n_labels: int) -> NDArray[np.float64]:
    """Every row's scores from the fold model that did not see it, in `rows` order."""
    oof = np.zeros((sum(len(score) for _, score in folds), n_labels))
    for k, (_, score) in enumerate(folds):
        oof[score] = results[_fold_name(k, folds)].scores
    return oof


def _run(job: FitJob, params: ModelParams, texts: Sequence[str], y: NDArray[np.int_]) -> FitResult:
    model = drop_run_specific_state(
        build_pipeline(params).fit([texts[i] for i in job.train], y[job.train])
    )
    scores = None if job.test is None else model.predict_proba([texts[i] for i in job.test])
    return FitResult(job, scores, model if job.keep_model else None)


def run_fits(
    jobs: Sequence[FitJob],
    params: ModelParams,
    texts: Sequence[str],
    y: NDArray[np.int_],
    *,
    n_jobs: int,
    on_done: Callable[[FitJob], None] = lambda job: None,
) -> dict[str, FitResult]:
    """All jobs, `n_jobs` at a time (each fit is single-threaded); results keyed by job name."""
    results: dict[str, FitResult] = {}
    stream: Iterator[FitResult] = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_run)(job, params, texts, y) for job in jobs
    )
    for result in stream:
        results[result.job.name] = result
        on_done(result.job)
    return results
