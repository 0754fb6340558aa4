"""Decorrelated labels: weights that make the other labels independent of one label, and a
model that then stops reading the other labels' words as evidence of its own."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from training.decorrelation import MAX_WEIGHT, DecorrelatedOneVsRest, decorrelating_weights


def correlated_labels(n: int = 400, seed: int = 0) -> NDArray[np.int_]:
    """Three labels; label 1 goes with label 2 in 80 % of its texts, in 20 % of the others."""
    rng = np.random.default_rng(seed)
    y = np.zeros((n, 3), dtype=int)
    y[:, 0] = rng.random(n) < 0.4
    y[:, 1] = rng.random(n) < 0.5
    y[:, 2] = np.where(y[:, 1] == 1, rng.random(n) < 0.8, rng.random(n) < 0.2)
    return y


def weighted_share(y: NDArray[np.int_], w: NDArray[np.float64], label: int, cls: int) -> float:
    in_class = y[:, 1] == cls
    return float(w[in_class & (y[:, label] == 1)].sum() / w[in_class].sum())


def test_weights_give_the_other_labels_the_same_share_among_positives_and_negatives() -> None:
    y = correlated_labels()
    assert weighted_share(y, np.ones(len(y)), 2, 1) > weighted_share(y, np.ones(len(y)), 2, 0) + 0.4
    w = decorrelating_weights(y, 1)
    assert weighted_share(y, w, 2, 1) == pytest.approx(weighted_share(y, w, 2, 0), abs=1e-9)
    assert weighted_share(y, w, 0, 1) == pytest.approx(weighted_share(y, w, 0, 0), abs=1e-9)


def test_weights_keep_each_class_total_and_stay_bounded() -> None:
    y = correlated_labels()
    y[:3, 2] = 1 - y[:3, 1]  # a few texts carrying a combination rare in their class
    w = decorrelating_weights(y, 1)
    for cls in (0, 1):
        in_class = y[:, 1] == cls
        assert w[in_class].sum() == pytest.approx(in_class.sum())
    assert w.max() / w.min() <= MAX_WEIGHT**2 + 1e-9


def features_where_label_2_has_a_word(y: NDArray[np.int_], seed: int = 1) -> NDArray[np.float64]:
    """Column 0: a word of label 1's own; column 1: a word of label 2 (which label 1 merely
    co-occurs with); column 2: noise."""
    rng = np.random.default_rng(seed)
    own = y[:, 1] * (rng.random(len(y)) < 0.6)
    other = y[:, 2] * (rng.random(len(y)) < 0.9)
    return np.column_stack([own, other, rng.random(len(y))]).astype(float)


def test_a_decorrelated_label_stops_learning_the_other_labels_word() -> None:
    y = correlated_labels(2000)
    x = features_where_label_2_has_a_word(y)
    plain = OneVsRestClassifier(LogisticRegression()).fit(x, y)
    decorrelated = DecorrelatedOneVsRest(LogisticRegression(), decorrelated=(1,)).fit(x, y)
    plain_coef = plain.estimators_[1].coef_.ravel()
    decorrelated_coef = decorrelated.estimators_[1].coef_.ravel()
    assert plain_coef[1] > 1.0  # label 2's word has become evidence of label 1
    assert abs(decorrelated_coef[1]) < 0.25 * plain_coef[1]
    assert decorrelated_coef[0] > 1.0  # label 1's own word still counts
    # Labels not listed are fitted exactly as OneVsRestClassifier fits them.
    np.testing.assert_allclose(decorrelated.estimators_[2].coef_, plain.estimators_[2].coef_)
    np.testing.assert_allclose(
        decorrelated.predict_proba(x)[:, 2], plain.predict_proba(x)[:, 2], rtol=1e-9
    )
    assert decorrelated.predict_proba(x).shape == (len(y), 3)


def test_a_single_label_column_is_refused() -> None:
    with pytest.raises(ValueError, match="indicator matrix"):
        DecorrelatedOneVsRest(LogisticRegression()).fit(np.zeros((4, 1)), np.array([0, 1, 0, 1]))
