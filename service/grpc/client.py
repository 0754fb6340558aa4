"""A small Python client for framing.v1.FramingService, for scripts and other services."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from framing.v1 import framing_service_pb2 as pb
from framing.v1 import framing_service_pb2_grpc as pb_grpc

DEFAULT_TARGET = "localhost:50051"
Documents = Sequence[tuple[str, str]]
"""(id, text) pairs."""


def classify_request(documents: Documents, evidence_terms: int | None) -> pb.ClassifyRequest:
    options = pb.ClassifyOptions()
    if evidence_terms is not None:
        options.evidence_terms = evidence_terms
    return pb.ClassifyRequest(
        documents=[pb.Document(id=doc_id, text=text) for doc_id, text in documents],
        options=options,
    )


class FramingClient:
    """Blocking client; use as a context manager to close the channel."""

    def __init__(self, target: str = DEFAULT_TARGET, timeout: float = 30.0) -> None:
        self.target = target
        self.timeout = timeout
        self._channel = grpc.insecure_channel(target)
        self._stub = pb_grpc.FramingServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    def classify(
        self, documents: Documents, evidence_terms: int | None = None
    ) -> pb.ClassifyResponse:
        request = classify_request(documents, evidence_terms)
        response: pb.ClassifyResponse = self._stub.Classify(request, timeout=self.timeout)
        return response

    def classify_stream(
        self, batches: Iterable[Documents], evidence_terms: int | None = None
    ) -> Iterator[pb.ClassifyResponse]:
        """One response per batch, in order; no overall deadline, for long bulk jobs."""
        requests = (classify_request(batch, evidence_terms) for batch in batches)
        yield from self._stub.ClassifyStream(requests)

    def model_info(self) -> pb.GetModelInfoResponse:
        info: pb.GetModelInfoResponse = self._stub.GetModelInfo(
            pb.GetModelInfoRequest(), timeout=self.timeout
        )
        return info

    def health(self, service: str = "") -> str:
        """The server's health status name, e.g. "SERVING"."""
        request = health_pb2.HealthCheckRequest(service=service)
        response = self._health.Check(request, timeout=self.timeout)
        return str(health_pb2.HealthCheckResponse.ServingStatus.Name(response.status))

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> FramingClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
