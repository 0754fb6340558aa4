"""Assemble the gRPC server: the framing service, health, reflection, metrics interceptor."""

from __future__ import annotations

import logging
import threading
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from framing.v1 import framing_service_pb2 as pb
from framing.v1 import framing_service_pb2_grpc as pb_grpc
from service.classifier import Classifier
from service.grpc.interceptors import MetricsInterceptor
from service.grpc.servicer import FramingServicer
from service.metrics import Metrics
from service.settings import Settings

logger = logging.getLogger(__name__)

SERVICE_NAME: str = pb.DESCRIPTOR.services_by_name["FramingService"].full_name
HEALTH_SERVICES = ("", SERVICE_NAME)
"""Health is reported for the server as a whole ("") and for the framing service."""


class FramingServer:
    """A started-on-demand gRPC server whose health follows the model's readiness."""

    def __init__(self, settings: Settings, classifier: Classifier, metrics: Metrics) -> None:
        self._server = grpc.server(
            futures.ThreadPoolExecutor(
                max_workers=settings.workers, thread_name_prefix="framing-rpc"
            ),
            interceptors=[MetricsInterceptor(metrics)],
            options=[
                ("grpc.max_receive_message_length", settings.max_message_bytes),
                ("grpc.max_send_message_length", settings.max_message_bytes),
                ("grpc.keepalive_time_ms", int(settings.keepalive_seconds * 1000)),
                ("grpc.keepalive_timeout_ms", int(settings.keepalive_timeout_seconds * 1000)),
                (
                    "grpc.http2.min_ping_interval_without_data_ms",
                    int(settings.min_client_ping_seconds * 1000),
                ),
                ("grpc.keepalive_permit_without_calls", 1),
            ],
            maximum_concurrent_rpcs=settings.max_concurrent_rpcs,
        )
        pb_grpc.add_FramingServiceServicer_to_server(FramingServicer(classifier), self._server)
        self.health = health.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        if settings.reflection:
            names = (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME)
            reflection.enable_server_reflection(names, self._server)
        address = f"{settings.bind_address}:{settings.grpc_port}"
        credentials = server_credentials(settings)
        if credentials is None:
            self.port = self._server.add_insecure_port(address)
        else:
            self.port = self._server.add_secure_port(address, credentials)
        if self.port == 0:
            raise OSError(f"cannot bind gRPC port {address}")

    def _set_health(self, status: health_pb2.HealthCheckResponse.ServingStatus) -> None:
        for name in HEALTH_SERVICES:
            self.health.set(name, status)

    def start(self) -> None:
        """Accept RPCs; health stays NOT_SERVING until `mark_serving`."""
        self._server.start()

    def mark_serving(self) -> None:
        self._set_health(health_pb2.HealthCheckResponse.SERVING)

    def stop(self, grace_seconds: float) -> threading.Event:
        """Report NOT_SERVING, refuse new RPCs, give in-flight ones `grace_seconds` to finish."""
        self.health.enter_graceful_shutdown()
        return self._server.stop(grace_seconds)  # type: ignore[no-any-return]

    def wait(self) -> None:
        self._server.wait_for_termination()


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials from the settings' PEM files; None for plaintext."""
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    try:
        chain = settings.tls_cert_file.read_bytes()
        key = settings.tls_key_file.read_bytes()
        client_ca = (
            settings.tls_client_ca_file.read_bytes() if settings.tls_client_ca_file else None
        )
    except OSError as err:
        raise OSError(f"cannot read TLS file {err.filename}: {err.strerror}") from None
    return grpc.ssl_server_credentials(
        [(key, chain)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )
