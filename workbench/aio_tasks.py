"""asyncio tasks on the timeline: one lane per task, its steps and what it awaits.

A task runs in steps; between two steps it awaits something. The traced ``Handle._run``
(:mod:`workbench.aio`) calls :func:`step_begins` and :func:`step_ended` around every task step,
which record the task's lane (named after the task and its coroutine), a span while it awaits,
and its end. The awaited object is named when it is one of asyncio's primitives: their
``acquire`` / ``wait`` / ``get`` / ``put`` and ``asyncio.sleep`` are wrapped to say so, and
asyncio locks record their holds like threading's, on the task's lane.
"""

from __future__ import annotations

import asyncio
import functools
import time
from typing import Any

from workbench.tracer import Kind, Tracer

_T: Tracer | None = None
_REAL: dict[tuple[Any, str], Any] = {}
_seen: set[int] = set()
_waiting: set[int] = set()


def _append(kind: Kind, tid: int, obj: str, arg: int = 0) -> None:
    t = _T
    if t is not None:
        t.buffer.append_at(time.perf_counter_ns(), tid, t.kind_ids[kind], t.strings.id(obj), arg)


def lane_name(task: asyncio.Task) -> str:
    """The task's lane on the timeline, after the task and its coroutine."""
    code = getattr(task.get_coro(), "cr_code", None)
    return f"task {task.get_name()} ({getattr(code, 'co_name', '?')})"


def step_begins(task: asyncio.Task) -> None:
    tid = id(task)
    if tid not in _seen:
        _seen.add(tid)
        _append(Kind.THREAD_BEGIN, tid, lane_name(task))
    if tid in _waiting:
        _waiting.discard(tid)
        _append(Kind.AIO_WOKE, tid, "await")


def step_ended(task: asyncio.Task) -> None:
    tid = id(task)
    if task.done():
        _seen.discard(tid)
        _append(Kind.THREAD_END, tid, task.get_name())
        return
    _waiting.add(tid)
    _append(Kind.AIO_WAIT, tid, getattr(task, "_wb_awaits", None) or "await")


def name_of(obj: Any) -> str:
    name = obj.__dict__.get("_wb_name")
    if name is None:
        name = obj._wb_name = _T.new_name(f"asyncio.{type(obj).__name__}") if _T else "?"
    return name


def _awaiting(method: Any, what: str) -> Any:
    """Wrap a coroutine method so the current task says what it awaits while it does."""

    @functools.wraps(method)
    async def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        if task is None or _T is None:
            return await method(self, *args, **kwargs)
        task._wb_awaits = f"{what} {name_of(self)}"
        task._wb_awaits_obj = self
        try:
            result = await method(self, *args, **kwargs)
        finally:
            task._wb_awaits = task._wb_awaits_obj = None
        if what == "lock":
            self._wb_holder = task  # for a deadlock's wait-for graph among tasks
            _append(Kind.LOCK_ACQUIRED, id(task), name_of(self))
        return result

    return wrapper


def _named_at_creation(init: Any) -> Any:
    """Name a primitive where the program makes it (``asyncio.Lock#2 @ app.py:7``), as the
    threading ones are, not at its first await (which read as if it was made there)."""

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        if _T is not None:
            name = name_of(self)
            finished = self.__dict__.get("_finished")
            if isinstance(self, asyncio.Queue) and isinstance(finished, asyncio.Event):
                finished._wb_name = f"join of {name}"  # what Queue.join() awaits

    return wrapper


def _lock_release(self: Any) -> None:
    task = asyncio.current_task()
    self._wb_holder = None
    if task is not None and _T is not None:
        _append(Kind.LOCK_RELEASED, id(task), name_of(self))
    return _REAL[(asyncio.Lock, "release")](self)


async def _sleep(delay: float, result: Any = None) -> Any:
    task = asyncio.current_task()
    if task is not None:
        task._wb_awaits = f"asyncio.sleep({delay:g})"
    try:
        return await _REAL[(asyncio, "sleep")](delay, result)
    finally:
        if task is not None:
            task._wb_awaits = None


PATCHES = {
    (asyncio.Lock, "acquire"): "lock",
    (asyncio.Event, "wait"): "event",
    (asyncio.Condition, "wait"): "condition",
    (asyncio.Semaphore, "acquire"): "semaphore",
    (asyncio.Queue, "get"): "queue get",
    (asyncio.Queue, "put"): "queue put",
}


def install(tracer: Tracer) -> None:
    global _T
    _T = tracer
    for (owner, name), what in PATCHES.items():
        _REAL[(owner, name)] = getattr(owner, name)
        setattr(owner, name, _awaiting(_REAL[(owner, name)], what))
    for owner in {owner for owner, _ in PATCHES if isinstance(owner, type)}:
        _REAL[(owner, "__init__")] = owner.__dict__["__init__"]
        owner.__init__ = _named_at_creation(_REAL[(owner, "__init__")])  # type: ignore[misc]
    _REAL[(asyncio.Lock, "release")] = asyncio.Lock.release
    asyncio.Lock.release = _lock_release
    _REAL[(asyncio, "sleep")] = asyncio.sleep
    asyncio.sleep = _sleep


def uninstall() -> None:
    global _T
    _T = None
    for (owner, name), real in _REAL.items():
        setattr(owner, name, real)
    _REAL.clear()
    _seen.clear()
    _waiting.clear()
