"""Settings: defaults, FRAMING_* environment, flags, and validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import Settings, SettingsError, build_parser, load_settings


def test_defaults() -> None:
    """The documented defaults."""
    settings = Settings()
    assert settings.grpc_port == 50051
    assert settings.model_dir == Path("models/default")
    assert settings.reflection is True


def test_environment_then_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    """FRAMING_* variables set values; flags override them."""
    monkeypatch.setenv("FRAMING_GRPC_PORT", "6000")
    monkeypatch.setenv("FRAMING_MODEL_DIR", "/models/a")
    assert load_settings([]).grpc_port == 6000
    settings = load_settings(["--grpc-port", "7000", "--model", "/models/b", "--no-reflection"])
    assert (settings.grpc_port, settings.model_dir, settings.reflection) == (
        7000,
        Path("/models/b"),
        False,
    )


def test_invalid_values_name_the_flag() -> None:
    """A bad value is reported with the flag that carries it."""
    with pytest.raises(SettingsError, match="--grpc-port"):
        load_settings(["--grpc-port", "70000"])


def test_every_setting_has_a_documented_flag() -> None:
    """--help documents every field with its environment variable."""
    text = build_parser().format_help()
    for name in Settings.model_fields:
        assert f"FRAMING_{name.upper()}" in text.replace("\n", "").replace(" ", "")
