"""The assembled server: health transitions, reflection on and off, metrics after calls."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from framing.v1 import framing_service_pb2 as pb
from service.grpc.server import SERVICE_NAME
from service.metrics import serve_metrics
from tests.conftest import LiveServer, start_server

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def health_status(channel: grpc.Channel, service: str = "") -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    return int(stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status)


def listed_services(channel: grpc.Channel) -> set[str]:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    (response,) = list(stub.ServerReflectionInfo(iter([request]), timeout=5))
    return {s.name for s in response.list_services_response.service}


def test_health_goes_serving_then_not_serving_on_stop(tiny_bundle: Path) -> None:
    """NOT_SERVING until the model is warmed, SERVING while up, NOT_SERVING once stopping."""
    running = start_server(tiny_bundle)
    try:
        running.server.health.set("", NOT_SERVING)  # as before mark_serving()
        assert health_status(running.channel) == NOT_SERVING
        running.server.mark_serving()
        assert health_status(running.channel) == SERVING
        assert health_status(running.channel, SERVICE_NAME) == SERVING
        # Probe the health servicer directly: the port closes as soon as stop() begins.
        running.server.stop(5)
        for name in ("", SERVICE_NAME):
            check = health_pb2.HealthCheckRequest(service=name)
            assert running.server.health.Check(check, None).status == NOT_SERVING
    finally:
        running.channel.close()
        running.server.stop(0).wait()


def test_reflection_lists_framing_service(live: LiveServer) -> None:
    """Reflection (on by default) exposes the service so grpcurl needs no proto file."""
    assert SERVICE_NAME in listed_services(live.channel)
    assert "grpc.health.v1.Health" in listed_services(live.channel)


def test_reflection_can_be_switched_off(tiny_bundle: Path) -> None:
    """With reflection off the reflection service is UNIMPLEMENTED."""
    running = start_server(tiny_bundle, reflection=False)
    try:
        with pytest.raises(grpc.RpcError) as err:
            listed_services(running.channel)
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED
    finally:
        running.channel.close()
        running.server.stop(0).wait()


def test_metrics_endpoint_reports_calls_and_predictions(live: LiveServer) -> None:
    """After calls, /metrics shows handled RPCs by code, documents and model info."""
    text = "Troops restored order after foreign-funded NGOs staged a colour revolution."
    live.stub.Classify(pb.ClassifyRequest(documents=[pb.Document(text=text)] * 3))
    with pytest.raises(grpc.RpcError):
        live.stub.Classify(pb.ClassifyRequest(documents=[pb.Document(text=" ")]))
    live.metrics.set_model(live.classifier.model.version, live.classifier.model.sha256, 0.1)
    http, port = serve_metrics(live.metrics.registry, "127.0.0.1", 0)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            body = reply.read().decode()
    finally:
        http.shutdown()
    method = 'grpc_method="Classify",grpc_service="framing.v1.FramingService",grpc_type="unary"'
    assert f'grpc_server_handled_total{{grpc_code="OK",{method}}} 1.0' in body
    assert f'grpc_server_handled_total{{grpc_code="INVALID_ARGUMENT",{method}}} 1.0' in body
    assert f"grpc_server_started_total{{{method}}} 2.0" in body
    assert f"grpc_server_handling_seconds_count{{{method}}} 2.0" in body
    # warm-up is not counted: it does not go through the classifier's metrics
    assert "framing_documents_total 3.0" in body
    assert 'framing_score_count{label="security"} 3.0' in body
    assert "framing_document_length_chars_count 3.0" in body
    assert f'version="{live.classifier.model.version}"' in body
    assert text not in body
