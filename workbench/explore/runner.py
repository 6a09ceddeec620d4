"""The parent side: start the explorer's child, read its lines, and always end it.

The child runs in its own process group, killed as a group when the work is done, on timeout,
on Ctrl+C or SIGTERM (which the command turns into KeyboardInterrupt), and it dies with us if we
are killed outright. Nothing the explored program does can outlive the call.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from workbench import paths


class ExploreError(Exception):
    """The child reported an error; ``usage`` says whether it was bad input (exit 2)."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def spawn() -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONHASHSEED="0", WB_EXPLORE_PARENT=str(os.getpid()))
    root = str(paths.project_root())
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.Popen(
        [sys.executable, "-m", "workbench.explore.child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )


def kill(proc: subprocess.Popen[bytes]) -> None:
    """The child and everything in its group, gone."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def call(
    request: dict[str, Any],
    timeout_s: float = 600.0,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Send one request, return the child's result message (raise ExploreError on error)."""
    proc = spawn()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write((json.dumps(request) + "\n").encode())
        proc.stdin.close()
        for message in lines(proc.stdout.fileno(), time.monotonic() + timeout_s):
            if message["type"] == "progress" and on_progress is not None:
                on_progress(message)
            elif message["type"] == "error":
                raise ExploreError(message["message"], message.get("usage", False))
            elif message["type"] == "result":
                return message
        raise ExploreError(f"the explorer's child ended without a result (exit {proc.poll()})")
    finally:
        kill(proc)


def lines(fd: int, deadline: float) -> Any:
    """JSON messages from ``fd`` until end of file; TimeoutError past the deadline."""
    buffer = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the exploration ran out of time")
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            return
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield json.loads(line)
