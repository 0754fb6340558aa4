"""The loaded model: a verified bundle's compiled scorer, with thresholds and evidence.

The service serves `scorer.npz`, the pipeline compiled to arrays at training time
(scoring/scorer.py): no pickle is loaded and scikit-learn is never imported, which keeps
start-up fast and makes each text one pass of the Cython kernel instead of the pipeline's
per-call validation and one-vs-rest wrappers. Scores equal the pipeline's predict_proba.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from scoring.scorer import Features
from service.errors import ModelLoadError
from service.evidence import Evidence, find_spans
from training.bundle import BundleError, Manifest, ScorerBundle, load_scorer_bundle


@dataclass(frozen=True)
class Prediction:
    """One document's scores, decisions and evidence, in the model's label order."""

    scores: tuple[float, ...]
    present: tuple[bool, ...]
    evidence: tuple[tuple[Evidence, ...], ...]


class FrameModel:
    """A verified model bundle, ready to classify texts. Thread-safe: it holds no mutable state."""

    def __init__(self, bundle: ScorerBundle) -> None:
        self.manifest: Manifest = bundle.manifest
        self.labels: tuple[str, ...] = tuple(bundle.manifest.labels)
        self.thresholds = np.asarray(bundle.manifest.thresholds, dtype=np.float64)
        self._scorer = bundle.scorer

    @classmethod
    def load(cls, bundle_dir: Path) -> FrameModel:
        try:
            return cls(load_scorer_bundle(bundle_dir))
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
        return self._scorer.scores(texts)

    def predict(self, texts: Sequence[str], evidence_terms: int) -> list[Prediction]:
        """Score, decide and explain every text."""
        predictions = []
        for text in texts:
            features = self._scorer.features(text)
            probabilities = self._scorer.probabilities(features.decision)
            predictions.append(
                Prediction(
                    scores=tuple(float(p) for p in probabilities),
                    present=tuple(bool(b) for b in probabilities >= self.thresholds),
                    evidence=tuple(
                        self._evidence(text, features, j, evidence_terms) if evidence_terms else ()
                        for j in range(len(self.labels))
                    ),
                )
            )
        return predictions

    def _evidence(
        self, text: str, features: Features, label: int, limit: int
    ) -> tuple[Evidence, ...]:
        """The terms with the largest positive contribution to the label's log-odds.

        Character features that display alike (" ed" and "ed ") are merged, their
        contributions summed, so a term appears once.
        """
        explained = self._scorer.explain(features, label)
        contributions = explained.contributions
        merged: dict[str, float] = {}
        for k in np.argsort(-contributions)[: 3 * limit]:
            if contributions[k] <= 0:
                break
            term = explained.term(int(k))
            merged[term] = merged.get(term, 0.0) + float(contributions[k])
        strongest = sorted(merged.items(), key=lambda item: -item[1])[:limit]
        cues = self._scorer.cues.patterns if self._scorer.cues is not None else None
        return tuple(
            Evidence(term, weight, find_spans(text, term, cues)) for term, weight in strongest
        )
