"""The one table from domain errors to gRPC status codes, applied by one decorator."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from service.errors import (
    DeadlineExceededError,
    FramingError,
    InvalidInputError,
    ModelLoadError,
    ModelNotReadyError,
    OverloadedError,
)

logger = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[FramingError], grpc.StatusCode] = {
    InvalidInputError: grpc.StatusCode.INVALID_ARGUMENT,
    ModelNotReadyError: grpc.StatusCode.UNAVAILABLE,
    ModelLoadError: grpc.StatusCode.UNAVAILABLE,
    DeadlineExceededError: grpc.StatusCode.DEADLINE_EXCEEDED,
    OverloadedError: grpc.StatusCode.RESOURCE_EXHAUSTED,
}

INTERNAL_MESSAGE = "internal error; the server logged the details"


def status_code(error: FramingError) -> grpc.StatusCode:
    for kind in type(error).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return grpc.StatusCode.INTERNAL


def to_status(error: FramingError) -> grpc.Status:
    """A rich status; invalid input carries google.rpc.BadRequest field violations."""
    code = status_code(error)
    details = []
    if isinstance(error, InvalidInputError):
        bad_request = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=v.field, description=v.description
                )
                for v in error.violations
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(bad_request)
        details.append(packed)
    proto = status_pb2.Status(code=code.value[0], message=str(error), details=details)
    return cast(grpc.Status, rpc_status.to_status(proto))


def _internal(context: grpc.ServicerContext, rpc: str) -> None:
    logger.exception("unexpected error in %s; answered INTERNAL", rpc)
    context.abort_with_status(
        rpc_status.to_status(status_pb2.Status(code=code_pb2.INTERNAL, message=INTERNAL_MESSAGE))
    )


F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(method: F) -> F:
    """Turn domain errors into their status and anything else into a bare INTERNAL."""
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def stream(self: Any, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            try:
                yield from method(self, request, context)
            except FramingError as err:
                context.abort_with_status(to_status(err))
            except Exception:
                _internal(context, method.__name__)

        return cast(F, stream)

    @functools.wraps(method)
    def unary(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
        try:
            return method(self, request, context)
        except FramingError as err:
            context.abort_with_status(to_status(err))
        except Exception:
            _internal(context, method.__name__)

    return cast(F, unary)
