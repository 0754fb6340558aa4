"""FramingService: converts protos to domain calls and back; every rule lives in the core."""

from __future__ import annotations

import time
from collections.abc import Iterator

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from framing.v1 import framing_service_pb2 as pb
from framing.v1 import framing_service_pb2_grpc as pb_grpc
from service.classifier import Classification, Classifier
from service.grpc.status import handle_errors
from service.model import FrameModel, Prediction


class FramingServicer(pb_grpc.FramingServiceServicer):  # type: ignore[misc]
    """The framing.v1.FramingService implementation."""

    def __init__(self, classifier: Classifier) -> None:
        self._classifier = classifier

    @handle_errors
    def Classify(  # noqa: N802 - the method name is fixed by the proto
        self, request: pb.ClassifyRequest, context: grpc.ServicerContext
    ) -> pb.ClassifyResponse:
        return self._classify(request, context)

    @handle_errors
    def ClassifyStream(  # noqa: N802
        self, requests: Iterator[pb.ClassifyRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.ClassifyResponse]:
        for request in requests:
            if not context.is_active():
                return  # the client cancelled or its deadline passed: stop working
            yield self._classify(request, context)

    @handle_errors
    def GetModelInfo(  # noqa: N802
        self, request: pb.GetModelInfoRequest, context: grpc.ServicerContext
    ) -> pb.GetModelInfoResponse:
        return model_info(self._classifier.model)

    def _classify(
        self, request: pb.ClassifyRequest, context: grpc.ServicerContext
    ) -> pb.ClassifyResponse:
        options = request.options
        terms = options.evidence_terms if options.HasField("evidence_terms") else None
        texts = [document.text for document in request.documents]
        ids = [document.id for document in request.documents]
        remaining = context.time_remaining()
        deadline = None if remaining is None else time.monotonic() + remaining
        result = self._classifier.classify(texts, terms, ids=ids, deadline=deadline)
        return classify_response(ids, result)


def classify_response(ids: list[str], result: Classification) -> pb.ClassifyResponse:
    return pb.ClassifyResponse(
        model_version=result.model_version,
        results=[
            _document_result(doc_id, prediction, result)
            for doc_id, prediction in zip(ids, result.predictions, strict=True)
        ],
    )


def _document_result(doc_id: str, p: Prediction, result: Classification) -> pb.DocumentResult:
    frames = [
        pb.FrameScore(
            label=label,
            score=p.scores[j],
            present=p.present[j],
            threshold=result.thresholds[j],
            evidence=[
                pb.Evidence(
                    term=e.term,
                    weight=e.weight,
                    spans=[pb.Span(start=s, end=t) for s, t in e.spans],
                )
                for e in p.evidence[j]
            ],
        )
        for j, label in enumerate(result.labels)
    ]
    present = [label for j, label in enumerate(result.labels) if p.present[j]]
    return pb.DocumentResult(id=doc_id, frames=frames, present_labels=present)


def model_info(model: FrameModel) -> pb.GetModelInfoResponse:
    m = model.manifest
    heldout = m.metrics.get("heldout", {})
    per_label = heldout.get("labels", {})
    trained_at = Timestamp()
    trained_at.FromJsonString(m.created_at.replace("+00:00", "Z"))
    return pb.GetModelInfoResponse(
        version=m.version,
        sha256=m.sha256,
        trained_at=trained_at,
        corpus_size=int(m.corpus.get("size", 0)),
        corpus_sha256=str(m.corpus.get("sha256", "")),
        library_versions=m.library_versions,
        heldout=pb.AggregateMetrics(
            micro_f1=heldout.get("micro_f1", 0.0),
            macro_f1=heldout.get("macro_f1", 0.0),
            documents=heldout.get("documents", 0),
        ),
        labels=[
            pb.LabelInfo(
                label=label,
                threshold=threshold,
                precision=per_label.get(label, {}).get("precision", 0.0),
                recall=per_label.get(label, {}).get("recall", 0.0),
                f1=per_label.get(label, {}).get("f1", 0.0),
                support=per_label.get(label, {}).get("support", 0),
            )
            for label, threshold in zip(m.labels, m.thresholds, strict=True)
        ],
    )
