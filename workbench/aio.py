"""asyncio under tracing: callbacks and task steps that block the event loop.

Every callback the loop runs — a ``call_soon`` / ``call_later`` callback or one step of a task —
goes through ``Handle._run``. The traced version times it; one that runs longer than
:data:`BLOCKED_S` kept every other task waiting, and is recorded with the line it was stuck on.
That line is sampled while it happens: the deadlock watchdog's thread looks at the loop
thread's current frame (``sys._current_frames``) when a callback overstays, so the report
points at the ``time.sleep`` or the CPU loop, not at the ``await`` after it.
"""

from __future__ import annotations

import asyncio.events
import sys
import threading
import time
from typing import Any

from workbench import aio_idle, aio_tasks
from workbench.tracer import Kind, Tracer

BLOCKED_S = 0.1
_REAL_RUN = asyncio.events.Handle._run
_T: Tracer | None = None
_running: dict[int, list[Any]] = {}  # loop thread ident -> [handle, start_ns, sampled loc]


def describe(handle: asyncio.events.Handle) -> tuple[str, str]:
    """A callback's name and where it is defined (for a task step: the coroutine)."""
    callback = handle._callback
    task = getattr(callback, "__self__", None)
    if isinstance(task, asyncio.Task):
        coro = task.get_coro()
        code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
        frame = getattr(coro, "cr_frame", None)
        line = frame.f_lineno if frame else getattr(code, "co_firstlineno", 0)
        return (
            f"task {task.get_name()} ({getattr(code, 'co_name', '?')})",
            f"{getattr(code, 'co_filename', '?')}:{line}",
        )
    code = getattr(callback, "__code__", None)
    name = getattr(callback, "__qualname__", repr(callback))
    return (
        f"callback {name}",
        f"{getattr(code, 'co_filename', '?')}:{getattr(code, 'co_firstlineno', 0)}",
    )


def _traced_run(self: asyncio.events.Handle) -> None:
    t = _T
    if t is None:
        return _REAL_RUN(self)
    tid = threading.get_ident()
    entry = [self, time.perf_counter_ns(), None]
    task = getattr(self._callback, "__self__", None)
    task = task if isinstance(task, asyncio.Task) else None
    if task is not None:
        aio_tasks.step_begins(task)
    _running[tid] = entry
    try:
        return _REAL_RUN(self)
    finally:
        _running.pop(tid, None)
        if task is not None:
            aio_tasks.step_ended(task)
        took = time.perf_counter_ns() - entry[1]
        if took >= BLOCKED_S * 1e9:
            name, defined = describe(self)
            loc = entry[2] or defined
            t.buffer.append(
                t.kind_ids[Kind.LOOP_BLOCKED], t.strings.id(name), took, t.strings.id(loc)
            )


def sample() -> None:
    """Note where each long-running callback is right now (called from the watchdog)."""
    if not _running or _T is None:
        return
    now = time.perf_counter_ns()
    frames = sys._current_frames()
    for tid, entry in list(_running.items()):
        if entry[2] is None and now - entry[1] >= BLOCKED_S * 1e9 / 2 and tid in frames:
            entry[2] = _T.user_location(frames[tid])


def install(tracer: Tracer) -> None:
    global _T
    _T = tracer
    asyncio.events.Handle._run = _traced_run
    aio_tasks.install(tracer)
    aio_idle.install(tracer)


def uninstall() -> None:
    global _T
    _T = None
    asyncio.events.Handle._run = _REAL_RUN
    aio_tasks.uninstall()
    aio_idle.uninstall()
