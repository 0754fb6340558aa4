"""Run the independent model fits of a training run in parallel, reporting each as it ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from multiprocessing import Manager
from queue import Queue

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


def _run(
    job: FitJob,
    params: ModelParams,
    texts: Sequence[str],
    y: NDArray[np.int_],
    stages: Queue[tuple[str, str]] | None,
) -> FitResult:
    """Pipeline.fit step by step (the same fitted objects), telling `stages` what runs."""

    def tell(stage: str) -> None:
        if stages is not None:
            stages.put((job.name, stage))

    started = time.monotonic()
    model = build_pipeline(params)
    tell(f"features of {len(job.train):,} texts")
    x = model.named_steps["features"].fit_transform([texts[i] for i in job.train])
    tell(f"label models (features took {time.monotonic() - started:.0f} s)")
    model.named_steps["clf"].fit(x, y[job.train])
    model = drop_run_specific_state(model)
    scores = None
    if job.test is not None:
        tell(f"scoring {len(job.test):,} texts")
        scores = model.predict_proba([texts[i] for i in job.test])
    return FitResult(job, scores, model if job.keep_model else None)


def run_fits(
    jobs: Sequence[FitJob],
    params: ModelParams,
    texts: Sequence[str],
    y: NDArray[np.int_],
    *,
    n_jobs: int,
    on_done: Callable[[FitJob], None] = lambda job: None,
    on_stage: Callable[[str, str], None] | None = None,
) -> dict[str, FitResult]:
    """All jobs, `n_jobs` at a time (each fit is single-threaded); results keyed by job name.

    `on_done(job)` follows each finished fit; `on_stage(job name, stage)` each step inside a
    fit (features, label models, scoring), which on a large corpus can take a minute each.
    """
    results: dict[str, FitResult] = {}
    with ExitStack() as stack:
        stages = None
        if on_stage is not None:
            # The fits run in worker processes: a manager queue carries their steps back.
            stages = stack.enter_context(Manager()).Queue()
            stack.enter_context(_draining(stages, on_stage))
        stream: Iterator[FitResult] = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_run)(job, params, texts, y, stages) for job in jobs
        )
        for result in stream:
            results[result.job.name] = result
            on_done(result.job)
    return results


@contextmanager
def _draining(
    stages: Queue[tuple[str, str]], on_stage: Callable[[str, str], None]
) -> Iterator[None]:
    """Call on_stage for every message put on `stages`, from a thread, until the block ends."""

    def drain() -> None:
        while (message := stages.get()) is not None:
            on_stage(*message)

    thread = threading.Thread(target=drain, name="fit-stages", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stages.put(None)  # type: ignore[arg-type]  # the end marker
        thread.join()
