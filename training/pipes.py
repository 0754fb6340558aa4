"""Command-line output into a pipe whose reader may leave early (`| head`).

Shared by both console tools, `framing-train` and `framing`: one place decides what a closed
pipe means (a quiet stop with exit status 141, like other Unix tools), so neither prints a
BrokenPipeError traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

CLOSED_PIPE_STATUS = 141
"""128 + SIGPIPE, the status a shell reports for a writer whose reader went away."""


def quiet_on_closed_pipe(command: Callable[[], int]) -> int:
    """Run a console command; if stdout's reader has gone away, stop quietly with status 141."""
    try:
        status = command()
        sys.stdout.flush()  # a reader that went away shows up here, not at interpreter exit
        return status
    except BrokenPipeError:
        # Point stdout at /dev/null so that the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return CLOSED_PIPE_STATUS
