"""A small Python client for framing.v1.FramingService, for scripts and other services."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
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


def tls_credentials(
    ca_file: Path | None, cert_file: Path | None = None, key_file: Path | None = None
) -> grpc.ChannelCredentials:
    """Channel credentials: trust `ca_file` (else the system roots); present a client
    certificate for mutual TLS when `cert_file` and `key_file` are given."""
    return grpc.ssl_channel_credentials(
        root_certificates=ca_file.read_bytes() if ca_file else None,
        private_key=key_file.read_bytes() if key_file else None,
        certificate_chain=cert_file.read_bytes() if cert_file else None,
    )


class FramingClient:
    """Blocking client; use as a context manager to close the channel."""

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        timeout: float = 30.0,
        credentials: grpc.ChannelCredentials | None = None,
    ) -> None:
        self.target = target
        self.timeout = timeout
        self._channel = (
            grpc.insecure_channel(target)
            if credentials is None
            else grpc.secure_channel(target, credentials)
        )
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
