"""Real Prometheus binaries for the deploy tests: Debian's package, installed when missing."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


def _install_prometheus() -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "prometheus"], check=True, env=env)


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    """Path of the prometheus binary; installs Debian's package as root, else skips locally."""
    if shutil.which("prometheus") is None and os.geteuid() == 0:
        _install_prometheus()
    path = shutil.which("prometheus")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is not installed and could not be installed")
        pytest.skip("prometheus is not installed (apt-get install prometheus)")
    return path


@pytest.fixture(scope="session")
def promtool_bin(prometheus_bin: str) -> str:
    path = shutil.which("promtool")
    assert path is not None, "Debian's prometheus package ships promtool"
    return path
