"""Parallel fits report each step inside a fit, from the worker processes."""

from __future__ import annotations

import numpy as np

from tests.conftest import TINY_CORPUS
from training.corpus import load_corpus
from training.fits import FitJob, run_fits
from training.pipeline import ModelParams


def test_each_fit_reports_its_steps_and_its_end() -> None:
    corpus = load_corpus([TINY_CORPUS], min_per_label=5)
    y = np.asarray(corpus.indicator(), dtype=int)
    rows = np.arange(len(y))
    jobs = [FitJob("scored", rows[::2], rows[1::2]), FitJob("kept", rows, keep_model=True)]
    stages: list[tuple[str, str]] = []
    done: list[str] = []
    params = ModelParams(min_df=1, calibration_folds=2).for_corpus(len(y))

    results = run_fits(
        jobs,
        params,
        corpus.texts,
        y,
        n_jobs=2,
        on_done=lambda job: done.append(job.name),
        on_stage=lambda job, stage: stages.append((job, stage)),
    )

    assert sorted(done) == ["kept", "scored"]
    for name in ("scored", "kept"):
        steps = [stage.split(" ")[0] for job, stage in stages if job == name]
        assert steps == (
            ["features", "label", "scoring"] if name == "scored" else ["features", "label"]
        )
    assert ("scored", f"features of {len(rows[::2]):,} texts") in stages
    scores = results["scored"].scores
    assert scores is not None
    assert scores.shape == (len(rows[1::2]), 3)
    assert results["kept"].model is not None
    assert results["scored"].model is None
