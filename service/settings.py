"""Server settings: one validated object from flags, FRAMING_* variables and defaults."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "FRAMING_"
FLAG_ALIASES = {"model_dir": "--model"}
"""Flags whose name is not the field name with dashes (the issue's `--model`)."""


class Settings(BaseSettings):
    """Everything an operator can set. Flags win over environment variables over defaults."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid")

    model_dir: Path = Field(
        Path("models/default"), description="model bundle directory (`make train` writes it)"
    )
    bind_address: str = Field("0.0.0.0", description="address the gRPC and metrics ports bind")
    grpc_port: int = Field(50051, ge=0, le=65535, description="gRPC port (0 = pick a free one)")
    metrics_port: int = Field(
        9464, ge=0, le=65535, description="Prometheus /metrics HTTP port (0 = pick a free one)"
    )
    workers: int = Field(8, ge=1, le=256, description="threads serving RPCs")
    max_concurrent_rpcs: int = Field(
        64, ge=1, description="RPCs in progress at once; more are refused with RESOURCE_EXHAUSTED"
    )
    max_documents: int = Field(1000, ge=1, description="most documents in one request")
    max_batch_documents: int = Field(
        256, ge=1, description="most documents coalesced from concurrent requests into one batch"
    )
    max_queued_documents: int = Field(
        4000,
        ge=1,
        description="most documents waiting for the model; past it, RESOURCE_EXHAUSTED at once",
    )
    max_text_chars: int = Field(
        100_000, ge=1, description="longest document text, in Unicode code points"
    )
    max_message_bytes: int = Field(
        64 * 1024 * 1024, ge=1024, description="largest gRPC message received or sent, in bytes"
    )
    keepalive_seconds: float = Field(
        60.0, gt=0, description="server pings an idle connection this often to detect dead peers"
    )
    keepalive_timeout_seconds: float = Field(
        20.0, gt=0, description="a ping unanswered this long closes the connection"
    )
    min_client_ping_seconds: float = Field(
        10.0, gt=0, description="clients pinging more often than this are disconnected"
    )
    default_evidence_terms: int = Field(
        5, ge=0, description="evidence terms per frame when a request does not say"
    )
    max_evidence_terms: int = Field(50, ge=0, description="most evidence terms a request may ask")
    reflection: bool = Field(True, description="serve gRPC server reflection (for grpcurl)")
    grace_seconds: float = Field(
        10.0, ge=0, description="on SIGTERM/SIGINT, time in-flight RPCs get to finish"
    )
    tls_cert_file: Path | None = Field(
        None, description="PEM server certificate chain: serve gRPC over TLS (with --tls-key-file)"
    )
    tls_key_file: Path | None = Field(None, description="PEM private key of the certificate")
    tls_client_ca_file: Path | None = Field(
        None, description="PEM CA bundle: require client certificates it signed (mutual TLS)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="log level")
    log_format: Literal["text", "json"] = Field("text", description="log line format")

    @model_validator(mode="after")
    def _tls_files_come_together(self) -> Settings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("--tls-cert-file and --tls-key-file must be given together")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("--tls-client-ca-file (mutual TLS) needs --tls-cert-file")
        return self


def _flag(name: str) -> str:
    return FLAG_ALIASES.get(name, "--" + name.replace("_", "-"))


def build_parser() -> argparse.ArgumentParser:
    """One flag per Settings field, so flags, env names and defaults are defined only above."""
    parser = argparse.ArgumentParser(
        prog="framing-serve",
        description="Serve the framing classifier over gRPC, with Prometheus metrics.",
        epilog="Every flag can also be set by its environment variable, shown in brackets.",
    )
    for name, field in Settings.model_fields.items():
        env = ENV_PREFIX + name.upper()
        help_text = f"{field.description} (default: {field.default}) [{env}]"
        kwargs: dict[str, Any] = {"dest": name, "default": None, "help": help_text}
        if field.annotation is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif get_origin(field.annotation) is Literal:
            kwargs["choices"] = list(get_args(field.annotation))
        parser.add_argument(_flag(name), **kwargs)
    return parser


class SettingsError(ValueError):
    """Flags or environment variables that do not make valid settings."""


def load_settings(argv: Sequence[str] | None = None) -> Settings:
    """Parse flags, merge with the environment, validate; raise SettingsError with every problem."""
    args = vars(build_parser().parse_args(argv))
    try:
        return Settings(**{name: value for name, value in args.items() if value is not None})
    except ValidationError as err:
        problems = "; ".join(
            f"{_flag(str(e['loc'][0])) if e['loc'] else 'settings'}: {e['msg']}"
            for e in err.errors()
        )
        raise SettingsError(problems) from None
