"""Ending a run's whole process tree, and checking that nothing of it is left.

A run host leads its own process group, but a recipe's children can leave the group (a
``setsid``, an MPI launcher's daemons), so the tree is also walked with psutil before the kill.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import psutil


def descendants(pid: int) -> list[psutil.Process]:
    """The process and everything it started that is still alive."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def kill_tree(
    pid: int,
    pgid: int | None = None,
    known: list[psutil.Process] | None = None,
    timeout_s: float = 1.0,
) -> list[psutil.Process]:
    """SIGKILL the tree of ``pid`` (and its process group); return what is still alive after
    ``timeout_s``, which should be nothing."""
    procs = {p.pid: p for p in (known or [])}
    procs.update({p.pid: p for p in descendants(pid)})
    if pgid is not None:
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
    for proc in procs.values():
        with contextlib.suppress(psutil.Error):
            proc.kill()
    # Poll rather than psutil.wait_procs: that would reap our own child behind Popen's back, and
    # it waits for killed grandchildren to be reaped, which a container's init may never do.
    deadline = time.monotonic() + timeout_s
    alive = list(procs.values())
    while alive and time.monotonic() < deadline:
        time.sleep(0.01)
        alive = [p for p in alive if running(p)]
    return alive


def running(proc: psutil.Process) -> bool:
    """Alive and not a zombie: a killed grandchild waits as a zombie until init reaps it."""
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
