"""Run framing-serve as a child process on loopback and wait until it is ready (tests, soak)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence

READY = re.compile(r"serving model \S+ .* on 127\.0\.0\.1:(\d+); metrics on :(\d+)/metrics")
"""The start-up log line of service.__main__ once health is SERVING."""


def spawn(args: Sequence[str]) -> subprocess.Popen[str]:
    """framing-serve on 127.0.0.1 with ephemeral ports; `args` add or override flags."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service",
            "--bind-address",
            "127.0.0.1",
            "--grpc-port",
            "0",
            "--metrics-port",
            "0",
            *args,
        ],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_ready(process: subprocess.Popen[str], timeout: float = 60) -> tuple[int, int, list[str]]:
    """Read the log until the ready line: (gRPC port, metrics port, lines read)."""
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if match := READY.search(line):
            return int(match.group(1)), int(match.group(2)), lines
    raise RuntimeError("framing-serve never became ready:\n" + "".join(lines))
