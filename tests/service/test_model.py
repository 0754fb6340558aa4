"""The loaded model: same scores as scikit-learn, decisions by threshold, evidence."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np

from service.model import FrameModel
from training.bundle import MODEL_FILE

TEXTS = [
    "Officials said foreign-funded NGOs organised the riots to stage a colour revolution.",
    "Le fonds souverain a investi dans un parc éolien.",
    "x",
    "数据主权",
]


def test_scores_equal_predict_proba(tiny_bundle: Path, tiny_model: FrameModel) -> None:
    """The stacked linear scorer reproduces the pipeline's predict_proba within 1e-6."""
    expected = joblib.load(tiny_bundle / MODEL_FILE).predict_proba(TEXTS)
    np.testing.assert_allclose(tiny_model.scores(TEXTS), expected, atol=1e-6, rtol=0)


def test_predict_applies_thresholds(tiny_model: FrameModel) -> None:
    """`present` is exactly score >= the label's threshold."""
    for prediction in tiny_model.predict(TEXTS, evidence_terms=0):
        for score, present, threshold in zip(
            prediction.scores, prediction.present, tiny_model.thresholds, strict=True
        ):
            assert present == (score >= threshold)
            assert 0.0 <= score <= 1.0


def test_evidence_is_positive_sorted_and_unique(tiny_model: FrameModel) -> None:
    """Evidence terms push the score up, strongest first, each term once."""
    (prediction,) = tiny_model.predict(TEXTS[:1], evidence_terms=4)
    for evidence in prediction.evidence:
        weights = [e.weight for e in evidence]
        assert weights == sorted(weights, reverse=True)
        assert all(w > 0 for w in weights)
        assert len({e.term for e in evidence}) == len(evidence) <= 4
