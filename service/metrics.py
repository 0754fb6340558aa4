"""Every Prometheus collector of the service, built on a given registry; and the /metrics server.

Names follow go-grpc-prometheus for the RPC metrics (so stock Grafana panels work) and use
base units. Label values come only from code: gRPC method names, status codes, model labels
and the model's version — never from a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from threading import Thread
from typing import Any
from wsgiref.simple_server import WSGIServer

import numpy as np
from numpy.typing import NDArray
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    start_http_server,
)

RPC_LABELS = ("grpc_type", "grpc_service", "grpc_method")
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
SCORE_BUCKETS = tuple(round(0.1 * i, 1) for i in range(1, 11))
LENGTH_BUCKETS = (50, 100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 100_000)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000)


class Metrics:
    """The service's collectors. Tests give each instance a fresh registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._children: dict[str, tuple[Any, Any]] = {}
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        self.rpc_started = Counter(
            "grpc_server_started_total",
            "RPCs started on the server.",
            RPC_LABELS,
            registry=registry,
        )
        self.rpc_handled = Counter(
            "grpc_server_handled_total",
            "RPCs completed on the server, by status code.",
            (*RPC_LABELS, "grpc_code"),
            registry=registry,
        )
        self.rpc_seconds = Histogram(
            "grpc_server_handling_seconds",
            "Time from RPC start to its status, in seconds.",
            RPC_LABELS,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.msg_received = Counter(
            "grpc_server_msg_received_total",
            "Request messages received.",
            RPC_LABELS,
            registry=registry,
        )
        self.msg_sent = Counter(
            "grpc_server_msg_sent_total",
            "Response messages sent.",
            RPC_LABELS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "framing_in_flight_requests", "RPCs being handled right now.", registry=registry
        )
        self.queued_documents = Gauge(
            "framing_queued_documents",
            "Documents waiting in the micro-batch queue for the model.",
            registry=registry,
        )
        self.documents = Counter(
            "framing_documents_total", "Documents classified.", registry=registry
        )
        self.predictions = Counter(
            "framing_predictions_total",
            "Documents predicted to carry each frame.",
            ("label",),
            registry=registry,
        )
        self.scores = Histogram(
            "framing_score",
            "Calibrated score per frame, one observation per document.",
            ("label",),
            buckets=SCORE_BUCKETS,
            registry=registry,
        )
        self.document_chars = Histogram(
            "framing_document_length_chars",
            "Length of classified documents, in code points.",
            buckets=LENGTH_BUCKETS,
            registry=registry,
        )
        self.batch_documents = Histogram(
            "framing_batch_documents",
            "Documents scored together in one model call.",
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.inference_seconds = Histogram(
            "framing_inference_seconds",
            "Time spent in the model per call, in seconds.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.model_info = Gauge(
            "framing_model_info",
            "The model bundle being served (value 1).",
            ("version", "sha256"),
            registry=registry,
        )
        self.model_loaded = Gauge(
            "framing_model_loaded",
            "1 when a model is loaded and warmed, else 0.",
            registry=registry,
        )
        self.model_load_seconds = Gauge(
            "framing_model_load_seconds",
            "Time the serving model took to load and warm.",
            registry=registry,
        )
        self.model_reloads = Counter(
            "framing_model_reloads_total",
            "Model reloads (SIGHUP), by result.",
            ("result",),
            registry=registry,
        )
        for result in ("success", "failure"):
            self.model_reloads.labels(result=result)
        self.model_loaded_at = Gauge(
            "framing_model_load_timestamp_seconds",
            "Unix time the serving model was loaded.",
            registry=registry,
        )

    def set_model(self, version: str, sha256: str, load_seconds: float) -> None:
        self.model_info.clear()
        self.model_info.labels(version=version, sha256=sha256).set(1)
        self.model_loaded.set(1)
        self.model_load_seconds.set(load_seconds)
        self.model_loaded_at.set_to_current_time()

    def observe_batch(
        self,
        labels: Sequence[str],
        lengths: Sequence[int],
        scores: NDArray[np.float64],
        present: NDArray[np.bool_],
        seconds: float,
    ) -> None:
        """Record one model call: its size, time, inputs' lengths and outputs."""
        self.documents.inc(len(lengths))
        self.batch_documents.observe(len(lengths))
        self.inference_seconds.observe(seconds)
        for length in lengths:
            self.document_chars.observe(length)
        for j, label in enumerate(labels):
            positives = int(present[:, j].sum())
            predictions, histogram = self._label_children(label)
            if positives:
                predictions.inc(positives)
            for score in scores[:, j].tolist():
                histogram.observe(score)

    def _label_children(self, label: str) -> tuple[Any, Any]:
        # Resolved once per label: labels() costs more than the observation itself.
        children = self._children.get(label)
        if children is None:
            children = (self.predictions.labels(label=label), self.scores.labels(label=label))
            self._children[label] = children
        return children

    def init_labels(self, labels: Sequence[str]) -> None:
        """Create every label's series at zero so rates exist before the first positive."""
        for label in labels:
            self.predictions.labels(label=label)
            self.scores.labels(label=label)


def serve_metrics(registry: CollectorRegistry, address: str, port: int) -> tuple[WSGIServer, int]:
    """Start the /metrics HTTP server in a daemon thread; return it and its bound port."""
    server, _thread = start_http_server(port, addr=address, registry=registry)
    assert isinstance(_thread, Thread)
    return server, int(server.server_port)
