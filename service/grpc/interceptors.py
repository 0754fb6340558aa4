"""A server interceptor that records the standard grpc_server_* metrics for every RPC."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from service.metrics import Metrics

Behavior = Callable[..., Any]


def _rpc_type(handler: grpc.RpcMethodHandler) -> str:
    if handler.request_streaming and handler.response_streaming:
        return "bidi_stream"
    if handler.request_streaming:
        return "client_stream"
    if handler.response_streaming:
        return "server_stream"
    return "unary"


def _code_name(context: grpc.ServicerContext, failed: bool) -> str:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return str(code.name)
    if not failed:
        return "OK"
    # A stream whose client went away ends without a code of its own.
    return "UNKNOWN" if context.is_active() else "CANCELLED"


class MetricsInterceptor(grpc.ServerInterceptor):  # type: ignore[misc]
    """Counts started and handled RPCs (by status code), messages, and time to status."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        # A method's wrapped handler never changes: build it once, not on every RPC (the
        # label lookups it resolves cost more than a small model call).
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler | None],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        wrapped = self._wrapped.get(details.method)
        if wrapped is not None:
            return wrapped
        handler = continuation(details)
        if handler is None:
            return None  # unknown method: not cached, so the table cannot grow unbounded
        wrapped = self._wrap(handler, details.method)
        self._wrapped[details.method] = wrapped
        return wrapped

    def _wrap(self, handler: grpc.RpcMethodHandler, full_method: str) -> grpc.RpcMethodHandler:
        service, _, method = full_method.lstrip("/").rpartition("/")
        labels = {"grpc_type": _rpc_type(handler), "grpc_service": service, "grpc_method": method}
        call = _Call(self._metrics, labels)
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                call.unary(handler.unary_unary),
                handler.request_deserializer,
                handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                call.streaming(handler.unary_stream, request_streaming=False),
                handler.request_deserializer,
                handler.response_serializer,
            )
        if handler.stream_stream:
            return grpc.stream_stream_rpc_method_handler(
                call.streaming(handler.stream_stream, request_streaming=True),
                handler.request_deserializer,
                handler.response_serializer,
            )
        return grpc.stream_unary_rpc_method_handler(
            call.client_streaming(handler.stream_unary),
            handler.request_deserializer,
            handler.response_serializer,
        )


class _Call:
    """Wraps one method's behaviour with its metric children resolved once."""

    def __init__(self, metrics: Metrics, labels: dict[str, str]) -> None:
        self._metrics = metrics
        self._labels = labels
        self._received = metrics.msg_received.labels(**labels)
        self._sent = metrics.msg_sent.labels(**labels)
        self._started = metrics.rpc_started.labels(**labels)
        self._seconds = metrics.rpc_seconds.labels(**labels)
        self._handled: dict[str, Any] = {}  # status code name -> counter child

    def _start(self) -> float:
        self._started.inc()
        self._metrics.in_flight.inc()
        return time.perf_counter()

    def _finish(self, started: float, context: grpc.ServicerContext, failed: bool) -> None:
        self._metrics.in_flight.dec()
        code = _code_name(context, failed)
        handled = self._handled.get(code)
        if handled is None:  # codes are a fixed set of 17 names: this stays small
            handled = self._handled[code] = self._metrics.rpc_handled.labels(
                **self._labels, grpc_code=code
            )
        handled.inc()
        self._seconds.observe(time.perf_counter() - started)

    def _count(self, requests: Iterator[Any]) -> Iterator[Any]:
        for request in requests:
            self._received.inc()
            yield request

    def unary(self, behavior: Behavior) -> Behavior:
        def wrapper(request: Any, context: grpc.ServicerContext) -> Any:
            started, failed = self._start(), True
            self._received.inc()
            try:
                response = behavior(request, context)
                failed = False
                self._sent.inc()
                return response
            finally:
                self._finish(started, context, failed)

        return wrapper

    def client_streaming(self, behavior: Behavior) -> Behavior:
        def wrapper(requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
            started, failed = self._start(), True
            try:
                response = behavior(self._count(requests), context)
                failed = False
                self._sent.inc()
                return response
            finally:
                self._finish(started, context, failed)

        return wrapper

    def streaming(self, behavior: Behavior, request_streaming: bool) -> Behavior:
        def wrapper(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            started, failed = self._start(), True
            if request_streaming:
                request = self._count(request)
            else:
                self._received.inc()
            try:
                for response in behavior(request, context):
                    self._sent.inc()
                    yield response
                failed = False
            finally:
                self._finish(started, context, failed)

        return wrapper
