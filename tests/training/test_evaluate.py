"""Evaluation helpers: thresholds, metrics, stratification."""

from __future__ import annotations

import numpy as np
import pytest

from training.evaluate import choose_thresholds, heldout_split, label_metrics, strata


def test_threshold_maximises_f1() -> None:
    """The chosen cut separates positives from negatives when a perfect cut exists."""
    y = np.array([[1], [1], [0], [0], [0]])
    scores = np.array([[0.30], [0.25], [0.20], [0.10], [0.05]])
    (threshold,) = choose_thresholds(y, scores)
    assert threshold == pytest.approx(0.25)
    metrics = label_metrics(y, scores, [threshold], ["security"])
    assert metrics["labels"]["security"]["f1"] == 1.0
    assert metrics["micro_f1"] == 1.0


def test_threshold_is_the_middle_of_the_near_best_cuts() -> None:
    """Cuts within the plateau margin of the best F1 all count; the threshold is their median."""
    y = np.array([[1], [1], [0], [0], [0]])
    scores = np.array([[0.30], [0.25], [0.20], [0.10], [0.05]])
    # F1 by cut: 0.30 -> 0.67, 0.25 -> 1.0, 0.20 -> 0.8, 0.10 -> 0.67, 0.05 -> 0.57
    assert choose_thresholds(y, scores, plateau=0.25) == [pytest.approx(0.225)]
    assert choose_thresholds(y, scores, plateau=0.45) == [pytest.approx(0.20)]


def test_metrics_count_errors() -> None:
    """Precision and recall follow the confusion counts."""
    y = np.array([[1, 0], [1, 1], [0, 1], [0, 0]])
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.9], [0.1, 0.2]])
    m = label_metrics(y, scores, [0.5, 0.5], ["a", "b"])
    assert m["labels"]["a"]["precision"] == 0.5
    assert m["labels"]["a"]["recall"] == 0.5
    assert m["labels"]["b"]["f1"] == 1.0
    assert m["macro_f1"] == pytest.approx(0.75)


def test_heldout_split_is_disjoint_and_stratified() -> None:
    """Held-out rows never appear in training, and every language is represented."""
    y = np.array([[i % 2, (i // 2) % 2, 0] for i in range(100)])
    langs = ["en", "fr"] * 50
    train, test = heldout_split(y, langs, 0.2, seed=0)
    assert set(train).isdisjoint(test)
    assert len(test) == 20
    assert {langs[i] for i in test} == {"en", "fr"}


def test_rare_strata_are_pooled() -> None:
    """Strata too small to split fall back to the label combination, then a remainder."""
    y = np.array([[1], [1], [1], [0], [0], [0], [1], [1], [1], [0]])
    langs = ["en", "en", "en", "fr", "fr", "fr", "zh", "pl", "de", "bg"]
    keys = strata(y, langs, n_splits=3)
    assert keys[:4] == ["1|en", "1|en", "1|en", "0|fr"]
    assert keys[6:9] == ["1", "1", "1"]
    assert keys[9] == "1|en"  # a remainder of one joins the largest stratum


def test_tiny_remainder_joins_the_largest_stratum() -> None:
    """A single row that fits no stratum does not break the split."""
    y = np.array([[0]] * 6 + [[1]])
    langs = ["en"] * 6 + ["zh"]
    assert strata(y, langs, n_splits=3) == ["0|en"] * 7
    heldout_split(y, langs, 0.3, seed=0)
