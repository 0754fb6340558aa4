"""One linear model per label, some of them trained with the other labels decorrelated.

A corpus written to meet per-frame quotas carries frames together far more often than real
text: in the seeds, 55 % of the `colour_revolution` texts also carry `sovereignty`, against 32 %
in the real dev labels. A one-vs-rest model then learns the other frames' words as evidence of
its own (a foreign-hand accusation raised `sovereignty`). Weighting the training texts of a
decorrelated label so that the other labels' combinations are distributed alike among its
positives and its negatives leaves it only its own evidence: in the weighted corpus the label
is independent of the others.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import clone
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import LabelBinarizer

MAX_WEIGHT = 5.0
"""Bound on a text's weight (and 1 / MAX_WEIGHT below), so that a combination of labels only a
handful of texts carry cannot dominate a model."""


def decorrelating_weights(y: NDArray[np.int_], label: int) -> NDArray[np.float64]:
    """Per text, P(c) / P(c | y[:, label]), where c is the text's combination of the other
    labels, bounded by MAX_WEIGHT; each class keeps its total weight (its number of texts)."""
    label_column = y[:, label]
    others = np.delete(y, label, axis=1)
    combination = others @ (1 << np.arange(others.shape[1]))
    weights = np.ones(len(y))
    for value in np.unique(combination):
        in_combination = combination == value
        for cls in (0, 1):
            members = in_combination & (label_column == cls)
            if members.any():
                share_in_class = members.sum() / (label_column == cls).sum()
                weights[members] = in_combination.mean() / share_in_class
    weights = np.clip(weights, 1 / MAX_WEIGHT, MAX_WEIGHT)
    for cls in (0, 1):
        in_class = label_column == cls
        weights[in_class] *= in_class.sum() / weights[in_class].sum()
    return weights


class DecorrelatedOneVsRest(OneVsRestClassifier):  # type: ignore[misc]
    """OneVsRestClassifier for multi-label indicator targets whose `decorrelated` columns are
    fitted with decorrelating_weights; the fitted object is a OneVsRestClassifier like any
    other (same estimators_, same predict_proba), so the scorer compiles it unchanged."""

    def __init__(self, estimator: Any, *, decorrelated: Sequence[int] = ()) -> None:
        super().__init__(estimator)
        self.decorrelated = decorrelated

    def fit(self, X: Any, y: Any) -> DecorrelatedOneVsRest:  # noqa: N803
        # No **fit_params: the per-label sample weights are this class's own, and a caller's
        # fit parameters would otherwise be dropped without a word.
        labels = np.asarray(y)
        if labels.ndim != 2:
            raise ValueError("DecorrelatedOneVsRest needs a label indicator matrix")
        self.label_binarizer_ = LabelBinarizer(sparse_output=True).fit(labels)
        self.classes_ = self.label_binarizer_.classes_
        self.estimators_ = [self._fit_label(X, labels, j) for j in range(labels.shape[1])]
        self.n_features_in_ = self.estimators_[0].n_features_in_
        return self

    def _fit_label(self, X: Any, labels: NDArray[np.int_], j: int) -> Any:  # noqa: N803
        weights = decorrelating_weights(labels, j) if j in self.decorrelated else None
        return clone(self.estimator).fit(X, labels[:, j], sample_weight=weights)
