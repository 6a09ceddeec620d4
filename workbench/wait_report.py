"""Each traced process tells the controller what its threads wait on, whenever that changes.

A deadlock across processes cannot be seen from inside one of them: a thread waiting on a
multiprocessing lock, a queue, a pipe or a child's exit may be freed by another process at any
time, so the in-process watchdog never counts such a wait as stuck. This reporter sends the
process's wait state (``Msg.WAITS``) — per thread: running, in a timed wait, or stuck, and on
what, held by whom, with the shared locks it holds — and :mod:`workbench.crossproc` in the
controller, which sees every process, decides.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from workbench import mp_trace, pipe_trace
from workbench.tracer import INTERNAL_THREAD_PREFIX, WAIT_KINDS, Kind, Tracer, Wait

POLL_S = 0.05
POLLING_S = 1.0  # a timed join of at most this long that keeps running out is a stuck join
_real_sleep = time.sleep  # before tracing patches it


def _stuck(tracer: Tracer, tid: int, wait: Wait) -> bool:
    if wait.timed is None:
        return True
    return (
        wait.kind in (Kind.JOIN_WAIT, Kind.PROCESS_JOIN)
        and tracer.idle_waits.get(tid, 0) >= 2
        and wait.timed <= POLLING_S
    )


def snapshot(tracer: Tracer) -> dict[str, Any]:
    """This process's wait state: a plain dict, equal to the last one when nothing moved."""
    known = {t.ident: t for t in threading.enumerate()}
    internal, threads = [], []
    for tid in sorted(sys._current_frames()):
        th = known.get(tid)
        if th is not None and th.name.startswith(INTERNAL_THREAD_PREFIX):
            internal.append(th.native_id)
            continue
        stack = tracer.waits.get(tid)
        wait = stack[-1] if stack else None
        entry: dict[str, Any] = {
            "tid": tid,
            "name": th.name if th is not None else f"thread {tid}",
            "native": th.native_id if th is not None else None,
            "held": sorted(mp_trace.HELD.get(tid, ())),
        }
        if wait is None:
            entry["state"] = "running"
        else:
            entry["state"] = "stuck" if _stuck(tracer, tid, wait) else "timed"
            entry["kind"] = WAIT_KINDS.get(wait.kind, str(wait.kind))
            entry["object"] = wait.obj
            entry["location"] = wait.loc
            entry["external"] = wait.external
            if wait.kind is Kind.PROCESS_JOIN:
                entry["joins_pid"] = wait.owner
            elif wait.kind is Kind.PIPE_WAIT:
                entry["peer_end"] = wait.owner
            elif wait.kind is Kind.JOIN_WAIT:
                entry["holder_tid"] = wait.owner
            elif wait.kind is Kind.LOCK_WAIT and not wait.external:
                entry["holder_tid"] = getattr(wait.owner, "_owner", None)
        threads.append(entry)
    return {
        "pid": os.getpid(),
        "process": multiprocessing.current_process().name,
        "threads": threads,
        "internal": sorted(n for n in internal if n is not None),
        "alarm": signal.getitimer(signal.ITIMER_REAL)[0] > 0,
        "epoch": tracer.progress_epoch,
        "ends": pipe_trace.ends_here(),
    }


class WaitReporter:
    """A daemon thread that sends :func:`snapshot` through ``send`` each time it changes."""

    def __init__(self, tracer: Tracer, send: Callable[[dict[str, Any]], None]) -> None:
        self.tracer = tracer
        self.send = send
        self.stopped = False
        self.thread = threading.Thread(
            target=self._loop, daemon=True, name=f"{INTERNAL_THREAD_PREFIX}waits"
        )

    def start(self) -> WaitReporter:
        """Start before tracing is installed, so this thread itself is never traced."""
        self.thread.start()
        return self

    def _loop(self) -> None:
        last: dict[str, Any] | None = None
        while not self.stopped:
            _real_sleep(POLL_S)
            try:
                state = snapshot(self.tracer)
            except RuntimeError:  # a dict changed size under us: look again next time
                continue
            if state != last and not self.stopped:
                self.send(state)
                last = state
