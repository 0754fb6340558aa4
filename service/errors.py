"""Domain errors of the service; service/grpc/status.py maps them to gRPC status codes."""

from __future__ import annotations

from dataclasses import dataclass


class FramingError(Exception):
    """Base of every error the service reports to a caller on purpose."""


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request: where (e.g. `documents[3].text`) and what is wrong."""

    field: str
    description: str


class InvalidInputError(FramingError):
    """The request cannot be classified as sent; each violation names its document."""

    def __init__(self, violations: list[FieldViolation]) -> None:
        self.violations = violations
        first = violations[0]
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(f"{first.field}: {first.description}{more}")


class ModelNotReadyError(FramingError):
    """No model is loaded yet, or the server is shutting down."""


class DeadlineExceededError(FramingError):
    """The caller's deadline passed before the work started, so it was not done."""


class OverloadedError(FramingError):
    """The micro-batch queue is full: refused at once rather than queued without bound."""


class ModelLoadError(FramingError):
    """A model bundle that cannot be served; the message names the path and the fix."""
