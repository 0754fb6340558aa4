"""The loaded model: a verified bundle turned into one sparse product per batch, plus evidence.

scikit-learn's `predict_proba` on the pipeline runs the one-vs-rest wrapper, the
calibration wrapper and input validation per label. The fitted pipeline is, per label,
a linear function of the TF-IDF vector followed by a sigmoid, so the coefficients are
stacked into one matrix here and a batch is scored with a single sparse product.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from scipy.special import expit
from sklearn.pipeline import Pipeline

from service.errors import ModelLoadError
from service.evidence import Evidence, find_spans
from training.bundle import Bundle, BundleError, Manifest, load_bundle

CHAR_FEATURE_MARK = "~"
"""Prefix of evidence terms from the character view, so clients can tell them from words."""


@dataclass(frozen=True)
class Prediction:
    """One document's scores, decisions and evidence, in the model's label order."""

    scores: tuple[float, ...]
    present: tuple[bool, ...]
    evidence: tuple[tuple[Evidence, ...], ...]


class FrameModel:
    """A verified model bundle, ready to classify texts. Thread-safe: it holds no mutable state."""

    def __init__(self, bundle: Bundle) -> None:
        self.manifest: Manifest = bundle.manifest
        self.labels: tuple[str, ...] = tuple(bundle.manifest.labels)
        self.thresholds = np.asarray(bundle.manifest.thresholds, dtype=np.float64)
        self._features = bundle.pipeline.named_steps["features"]
        self._weights, self._intercepts, self._slopes, self._offsets = _linear_parts(
            bundle.pipeline, len(self.labels)
        )
        self._terms = _display_terms(self._features.get_feature_names_out())

    @classmethod
    def load(cls, bundle_dir: Path) -> FrameModel:
        try:
            return cls(load_bundle(bundle_dir))
        except BundleError as err:
            raise ModelLoadError(str(err)) from err

    @property
    def version(self) -> str:
        return self.manifest.version

    @property
    def sha256(self) -> str:
        return self.manifest.sha256

    def scores(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Calibrated probabilities, shape (documents, labels)."""
        return self._scores(self._features.transform(texts))

    def _scores(self, x: sparse.csr_matrix) -> NDArray[np.float64]:
        decision = np.asarray(x @ self._weights, dtype=np.float64) + self._intercepts
        # scikit-learn's sigmoid calibration: p = expit(-(a * f + b)).
        return np.asarray(expit(-(self._slopes * decision + self._offsets)), dtype=np.float64)

    def predict(self, texts: Sequence[str], evidence_terms: int) -> list[Prediction]:
        """Score, decide and explain every text."""
        x = sparse.csr_matrix(self._features.transform(texts))
        probabilities = self._scores(x)
        predictions = []
        for i, text in enumerate(texts):
            row = x.getrow(i)
            predictions.append(
                Prediction(
                    scores=tuple(float(p) for p in probabilities[i]),
                    present=tuple(bool(b) for b in probabilities[i] >= self.thresholds),
                    evidence=tuple(
                        self._evidence(text, row, j, evidence_terms) if evidence_terms else ()
                        for j in range(len(self.labels))
                    ),
                )
            )
        return predictions

    def _evidence(
        self, text: str, row: sparse.csr_matrix, label: int, limit: int
    ) -> tuple[Evidence, ...]:
        """The terms with the largest positive contribution to the label's log-odds.

        Character features that display alike (" ed" and "ed ") are merged, their
        contributions summed, so a term appears once.
        """
        contributions = row.data * self._weights[row.indices, label]
        merged: dict[str, float] = {}
        for k in np.argsort(-contributions)[: 3 * limit]:
            if contributions[k] <= 0:
                break
            term = self._terms[row.indices[k]]
            merged[term] = merged.get(term, 0.0) + float(contributions[k])
        strongest = sorted(merged.items(), key=lambda item: -item[1])[:limit]
        return tuple(Evidence(term, weight, find_spans(text, term)) for term, weight in strongest)


def _linear_parts(
    pipeline: Pipeline, n_labels: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Stack each label's coefficients, intercept and sigmoid calibration."""
    try:
        calibrated = [
            est.calibrated_classifiers_ for est in pipeline.named_steps["clf"].estimators_
        ]
    except (KeyError, AttributeError) as err:
        raise ModelLoadError(f"the pipeline is not a calibrated one-vs-rest model: {err}") from err
    if len(calibrated) != n_labels or any(len(c) != 1 for c in calibrated):
        raise ModelLoadError(
            "expected one calibrated linear model per label (trained with ensemble=False)"
        )
    parts = [c[0] for c in calibrated]
    weights = np.column_stack([p.estimator.coef_.ravel() for p in parts]).astype(np.float64)
    intercepts = np.array([float(p.estimator.intercept_[0]) for p in parts])
    slopes = np.array([float(p.calibrators[0].a_) for p in parts])
    offsets = np.array([float(p.calibrators[0].b_) for p in parts])
    return weights, intercepts, slopes, offsets


def _display_terms(names: Sequence[str]) -> list[str]:
    """'word__foreign forces' -> 'foreign forces'; 'char__ révol' -> '~révol'; cue groups keep
    their 'cue:...' names."""
    terms = []
    for name in names:
        view, _, feature = str(name).partition("__")
        terms.append(CHAR_FEATURE_MARK + feature.strip() if view == "char" else feature)
    return terms
