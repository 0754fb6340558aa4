"""Training runs: the evaluation protocol by corpus size, and the validation-split protocol."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import TINY_CORPUS
from training.corpus import load_corpus
from training.fits import FitJob, run_fits
from training.pipeline import SGD_FROM_DOCS, ModelParams
from training.train import LARGE_CORPUS, TrainOptions, train


def test_large_corpora_default_to_a_validation_split_and_sgd() -> None:
    small, large = TrainOptions().resolved(LARGE_CORPUS - 1), TrainOptions().resolved(LARGE_CORPUS)
    assert (small.folds, large.folds) == (5, 0)
    assert large.params.linear_model == "sgd"
    # SGD comes first: between the two switches it keeps 5-fold thresholds.
    assert SGD_FROM_DOCS < LARGE_CORPUS
    middle = TrainOptions().resolved(SGD_FROM_DOCS)
    assert (middle.folds, middle.params.linear_model) == (5, "sgd")
    assert TrainOptions().fit_count(100) == 7  # 5 folds, held-out model, final model
    assert TrainOptions().fit_count(LARGE_CORPUS) == 2  # held-out model, final model
    assert TrainOptions(folds=3).resolved(LARGE_CORPUS).folds == 3  # an explicit choice wins


def test_validation_split_keeps_fit_validation_and_heldout_rows_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With folds=0, the held-out model is fitted on neither the validation rows (thresholds)
    nor the held-out rows (metrics), which are disjoint; the final model sees every row."""
    seen: list[FitJob] = []

    def spy(jobs: list[FitJob], *args: Any, **kwargs: Any) -> Any:
        seen.extend(jobs)
        return run_fits(jobs, *args, **kwargs)

    monkeypatch.setattr("training.train.run_fits", spy)
    corpus = load_corpus([TINY_CORPUS], min_per_label=5)
    options = TrainOptions(folds=0, heldout_fraction=0.25, params=ModelParams(min_df=1))
    manifest = train(corpus, tmp_path / "bundle", options)

    heldout_job, final_job = seen
    assert heldout_job.test is not None
    assert not set(heldout_job.train) & set(heldout_job.test)
    assert len(heldout_job.train) + len(heldout_job.test) == len(corpus.examples)
    assert np.array_equal(final_job.train, np.arange(len(corpus.examples)))
    metrics = manifest.metrics
    assert set(metrics) >= {"heldout", "validation"}
    assert "cross_validation" not in metrics
    n_validation, n_heldout = metrics["validation"]["documents"], metrics["heldout"]["documents"]
    assert n_validation + n_heldout == len(heldout_job.test)
    assert manifest.params["folds"] == 0
    report = json.loads((tmp_path / "bundle" / "report.json").read_text())
    assert report["params"]["validation_fraction"] == 0.1
    assert "validation split" in (tmp_path / "bundle" / "report.md").read_text()
