"""docker-compose.yml, the Dockerfile and the Prometheus config agree with the code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from service.settings import ENV_PREFIX, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]


def test_three_services() -> None:
    """The stack is the server, Prometheus and Grafana."""
    assert set(COMPOSE["services"]) == {"framing", "prometheus", "grafana"}


def test_framing_environment_names_are_settings() -> None:
    """Every FRAMING_* variable in the compose file is a real setting."""
    fields = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    env = COMPOSE["services"]["framing"]["environment"]
    assert set(env) <= fields
    env_lines = re.findall(r"(FRAMING_[A-Z_]+)=", DOCKERFILE)
    assert set(env_lines) <= fields


def test_ports_agree_with_defaults_and_scrape_config() -> None:
    """The published gRPC port and the scraped metrics port are the server's defaults."""
    defaults = Settings()
    env = COMPOSE["services"]["framing"]["environment"]
    assert int(env["FRAMING_GRPC_PORT"]) == defaults.grpc_port
    assert int(env["FRAMING_METRICS_PORT"]) == defaults.metrics_port
    assert f"{defaults.grpc_port}:{defaults.grpc_port}" in COMPOSE["services"]["framing"]["ports"]
    assert f"EXPOSE {defaults.grpc_port} {defaults.metrics_port}" in DOCKERFILE
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text("utf-8"))
    (job,) = prometheus["scrape_configs"]
    (discovery,) = job["dns_sd_configs"]
    assert discovery["names"] == ["framing"]
    assert discovery["port"] == defaults.metrics_port


def test_mounted_paths_exist() -> None:
    """Every file or folder the compose file mounts is in the repository."""
    for service in COMPOSE["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert (ROOT / source).exists(), volume


def test_image_runs_the_console_scripts() -> None:
    """The image's entry point and health check are console scripts of the package."""
    entrypoint = re.search(r'ENTRYPOINT \["([^"]+)"\]', DOCKERFILE)
    assert entrypoint is not None
    assert entrypoint.group(1) in SCRIPTS
    healthcheck = re.search(r'CMD \["([^"]+)",.*"health"\]', DOCKERFILE)
    assert healthcheck is not None
    assert healthcheck.group(1) in SCRIPTS
    assert "USER framing" in DOCKERFILE
