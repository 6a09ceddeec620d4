"""asyncio deadlocks: an event loop that can never wake again counts as a stuck thread.

A loop whose tasks all await each other (two tasks each holding an ``asyncio.Lock`` the other
wants, an ``Event`` nobody sets, a ``Queue`` nobody fills) does not block in a traced wait: it
sits in ``select()`` with no timeout. That is a deadlock exactly when nothing can wake it: no
ready callback, no timer, no file descriptor watched except its own wake-up pipe, and no signal
handler. Only another thread could still wake it (``call_soon_threadsafe``), and the watchdog
already requires every other thread to be stuck too. So the traced ``_run_once`` records such
an idle loop as an untimed wait of its thread, and :func:`describe_tasks` says, for the
finding, what each task awaits and which task holds the asyncio lock it wants.
"""

from __future__ import annotations

import asyncio
import asyncio.base_events
import signal
import threading
import time
from typing import Any

from workbench import aio_tasks
from workbench.tracer import Kind, Tracer, Wait, _internal

_REAL_RUN_ONCE = asyncio.base_events.BaseEventLoop._run_once
_T: Tracer | None = None


def can_never_wake(loop: Any) -> bool:
    """True when ``select()`` would wait forever: nothing ready, no timer, no I/O watched."""
    if loop._ready or loop._scheduled or loop._stopping:
        return False
    if getattr(loop, "_signal_handlers", None) or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        return False  # a signal may still arrive and wake it
    selector = getattr(loop, "_selector", None)
    ssock = getattr(loop, "_ssock", None)
    if selector is None or ssock is None:
        return False  # a loop we do not know the insides of: never claim it is stuck
    watched = selector.get_map()
    return len(watched) == 1 and ssock.fileno() in watched


def _traced_run_once(self: Any) -> None:
    t = _T
    if t is None or not can_never_wake(self):
        return _REAL_RUN_ONCE(self)
    tid = threading.get_ident()
    stack = t.waits.setdefault(tid, [])
    stack.append(Wait(Kind.LOOP_IDLE, "idle event loop", time.perf_counter_ns(), None, "", self))
    try:
        return _REAL_RUN_ONCE(self)
    finally:
        if stack and stack[-1].kind is Kind.LOOP_IDLE:
            stack.pop()
        t._progressed(tid)


def _where(task: asyncio.Task) -> str:
    """The innermost user-code line the task is suspended at."""
    for frame in reversed(task.get_stack()):
        if not _internal(frame.f_code.co_filename):
            return f"{frame.f_code.co_filename}:{frame.f_lineno}"
    return ""


def _awaited(task: asyncio.Task) -> tuple[str, str]:
    """What the task awaits, as (kind, object): ``("lock", "asyncio.Lock#1 @ app.py:7")``."""
    obj = getattr(task, "_wb_awaits_obj", None)
    text = getattr(task, "_wb_awaits", None)
    if obj is not None and text:
        name = aio_tasks.name_of(obj)
        return text[: -len(name) - 1], name
    return "future", f"a future of {task.get_name()}"  # a task, gather, or a bare Future


def task_waits(loop: Any) -> tuple[list[dict[str, Any]], dict[str, str | None]]:
    """Each pending task of ``loop`` as a wait like a thread's (its lane, what it awaits, the
    task holding the asyncio lock it wants, its line), and that wait-for graph by lane."""
    waits, edges = [], {}
    for task in asyncio.all_tasks(loop):
        if task.done():
            continue
        kind, obj = _awaited(task)
        holder = getattr(getattr(task, "_wb_awaits_obj", None), "_wb_holder", None)
        lane = aio_tasks.lane_name(task)
        edges[lane] = aio_tasks.lane_name(holder) if holder is not None else None
        waits.append(
            {
                "thread": lane,
                "kind": kind,
                "object": obj,
                "holder": edges[lane],
                "location": _where(task),
                "waiting_s": None,
            }
        )
    return waits, edges


def install(tracer: Tracer) -> None:
    global _T
    _T = tracer
    asyncio.base_events.BaseEventLoop._run_once = _traced_run_once


def uninstall() -> None:
    global _T
    _T = None
    asyncio.base_events.BaseEventLoop._run_once = _REAL_RUN_ONCE
