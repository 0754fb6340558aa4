"""The transport-free core: validate a request's texts, classify them, record what happened."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from service.batching import Job, MicroBatcher
from service.errors import DeadlineExceededError, FieldViolation, InvalidInputError
from service.metrics import Metrics
from service.model import FrameModel, Prediction
from service.settings import Settings

logger = logging.getLogger(__name__)

WARM_UP_TEXTS = (
    "Warm-up text: troops restored order while officials defended the nation's sovereignty.",
    "Texte d'échauffement : aucune ingérence étrangère.",
)


@dataclass(frozen=True)
class Limits:
    """Bounds on one request, from the settings."""

    max_documents: int = 1000
    max_text_chars: int = 100_000
    default_evidence_terms: int = 5
    max_evidence_terms: int = 50
    max_batch_documents: int = 256
    max_queued_documents: int = 4000

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_documents=settings.max_documents,
            max_batch_documents=settings.max_batch_documents,
            max_queued_documents=settings.max_queued_documents,
            max_text_chars=settings.max_text_chars,
            default_evidence_terms=settings.default_evidence_terms,
            max_evidence_terms=settings.max_evidence_terms,
        )


@dataclass(frozen=True)
class Classification:
    """Results for one request, all from one model."""

    model_version: str
    labels: tuple[str, ...]
    thresholds: tuple[float, ...]
    predictions: list[Prediction]


class Classifier:
    """Classifies batches of texts with the current model. Safe to call from many threads:
    concurrent requests are coalesced into micro-batches (service/batching.py)."""

    def __init__(self, model: FrameModel, metrics: Metrics, limits: Limits) -> None:
        self._model = model
        self._metrics = metrics
        self._limits = limits
        self._batcher = MicroBatcher(
            self._run_batch, limits.max_queued_documents, limits.max_batch_documents
        )
        metrics.queued_documents.set_function(lambda: self._batcher.queued_documents)
        metrics.init_labels(model.labels)

    @property
    def model(self) -> FrameModel:
        return self._model

    def warm_up(self) -> None:
        """Run the model once so the first caller does not pay for lazy initialisation."""
        _warm(self._model)

    def swap(self, model: FrameModel) -> None:
        """Serve `model` from now on; requests already running finish on the old one.

        The new model is warmed before the swap, and the swap is one reference assignment,
        so no request ever sees a half-loaded model.
        """
        _warm(model)
        self._metrics.init_labels(model.labels)
        self._model = model

    def classify(
        self,
        texts: Sequence[str],
        evidence_terms: int | None = None,
        *,
        ids: Sequence[str] = (),
        deadline: float | None = None,
    ) -> Classification:
        """Validate, then score every text; raise InvalidInputError naming each bad document.

        `deadline` is a time.monotonic() instant: work that would start after it is not
        done (DeadlineExceededError), since its caller has already given up.
        """
        terms = self._limits.default_evidence_terms if evidence_terms is None else evidence_terms
        self._validate(texts, terms, ids)
        if deadline is not None and time.monotonic() >= deadline:
            raise DeadlineExceededError("the deadline passed before classification started")
        job = Job(texts, terms, deadline)
        self._batcher.run(job)
        if job.error is not None:
            raise job.error
        model, predictions = cast(tuple[FrameModel, list[Prediction]], job.result)
        return Classification(
            model.version,
            model.labels,
            tuple(float(t) for t in model.thresholds),
            predictions,
        )

    def _run_batch(self, batch: list[Job]) -> None:
        """Answer every job of a micro-batch with one model; record the batch's metrics."""
        model = self._model  # read once: the whole batch is answered by one model
        started = time.perf_counter()
        answered: list[Prediction] = []
        lengths: list[int] = []
        for job in batch:
            if job.deadline is not None and time.monotonic() >= job.deadline:
                job.error = DeadlineExceededError("the deadline passed while the request queued")
                continue
            try:
                predictions = model.predict(job.texts, job.evidence_terms)
            except Exception as err:  # reported to that caller as INTERNAL, logged there
                job.error = err
                continue
            job.result = (model, predictions)
            answered.extend(predictions)
            lengths.extend(len(t) for t in job.texts)
        if answered:
            self._metrics.observe_batch(
                model.labels,
                lengths,
                np.array([p.scores for p in answered]),
                np.array([p.present for p in answered]),
                time.perf_counter() - started,
            )

    def _validate(self, texts: Sequence[str], evidence_terms: int, ids: Sequence[str]) -> None:
        limits = self._limits
        violations: list[FieldViolation] = _duplicate_ids(ids)
        if not texts:
            violations.append(FieldViolation("documents", "at least one document is required"))
        elif len(texts) > limits.max_documents:
            violations.append(
                FieldViolation(
                    "documents",
                    f"{len(texts)} documents; at most {limits.max_documents} per request",
                )
            )
        for i, text in enumerate(texts[: limits.max_documents]):
            if not text.strip():
                violations.append(
                    FieldViolation(f"documents[{i}].text", "text is empty or only whitespace")
                )
            elif len(text) > limits.max_text_chars:
                violations.append(
                    FieldViolation(
                        f"documents[{i}].text",
                        f"text has {len(text):,} code points; the limit is "
                        f"{limits.max_text_chars:,}",
                    )
                )
        if evidence_terms > limits.max_evidence_terms:
            violations.append(
                FieldViolation(
                    "options.evidence_terms",
                    f"{evidence_terms} requested; at most {limits.max_evidence_terms}",
                )
            )
        if violations:
            raise InvalidInputError(violations)


def _duplicate_ids(ids: Sequence[str]) -> list[FieldViolation]:
    """Non-empty ids must be unique: callers match results to documents by id."""
    first_seen: dict[str, int] = {}
    violations = []
    for i, doc_id in enumerate(ids):
        if doc_id and doc_id in first_seen:
            violations.append(
                FieldViolation(
                    f"documents[{i}].id", f"duplicates documents[{first_seen[doc_id]}].id"
                )
            )
        first_seen.setdefault(doc_id, i)
    return violations


def _warm(model: FrameModel) -> None:
    model.predict(WARM_UP_TEXTS, evidence_terms=1)
