"""Model parameters: `auto` picks the linear model by corpus size, and is never fitted as is."""

from __future__ import annotations

import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import SGDClassifier

from training.corpus import LABELS
from training.pipeline import SGD_FROM_DOCS, ModelParams, build_pipeline


def test_auto_picks_calibrated_liblinear_below_the_threshold_and_sgd_from_it() -> None:
    assert ModelParams().for_corpus(SGD_FROM_DOCS - 1).linear_model == "linear_svc"
    assert ModelParams().for_corpus(SGD_FROM_DOCS).linear_model == "sgd"
    chosen = ModelParams(linear_model="logistic_regression").for_corpus(10 * SGD_FROM_DOCS)
    assert chosen.linear_model == "logistic_regression"  # an explicit choice is kept


def test_each_label_model_is_the_resolved_one() -> None:
    small = build_pipeline(ModelParams().for_corpus(100)).named_steps["clf"].estimator
    large = build_pipeline(ModelParams().for_corpus(SGD_FROM_DOCS)).named_steps["clf"].estimator
    assert isinstance(small, CalibratedClassifierCV)
    assert isinstance(large, SGDClassifier)
    assert large.loss == "log_loss"


def test_an_unresolved_auto_is_refused() -> None:
    with pytest.raises(ValueError, match="resolved by for_corpus"):
        build_pipeline(ModelParams())


def test_sovereignty_is_decorrelated_by_default() -> None:
    clf = build_pipeline(ModelParams().for_corpus(100)).named_steps["clf"]
    assert [LABELS[j] for j in clf.decorrelated] == ["sovereignty"]
