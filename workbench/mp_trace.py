"""multiprocessing's own primitives under tracing: Lock, RLock, Semaphore, Condition's lock,
Event's and Barrier's insides, and Queue.

They are all built on ``SemLock``, a semaphore the operating system shares between processes
under one name (``/mp-…``). The traced ``acquire`` / ``release`` record that name, so the
same lock has the same name in every traced process of the run: its holds and waits line up
on the one timeline, lock-order inversions across processes are found, and a release in one
process orders an acquire in another. ``multiprocessing.Queue`` put/get are recorded by the
name of the queue's read lock.
"""

from __future__ import annotations

import multiprocessing.queues
import multiprocessing.synchronize as mps
import threading
from typing import Any

from workbench.tracer import Kind, Tracer

_T: Tracer | None = None
_REAL: dict[tuple[Any, str], Any] = {}


def _name(lock: mps.SemLock) -> str:
    return f"mp.{type(lock).__name__} {getattr(lock._semlock, 'name', None) or id(lock)}"


def _make_methods(self: mps.SemLock) -> None:
    _REAL[(mps.SemLock, "_make_methods")](self)
    real_acquire, real_release = self._semlock.acquire, self._semlock.release
    name = _name(self)

    def acquire(block: bool = True, timeout: float | None = None) -> bool:
        t = _T
        if t is None or threading.get_ident() in t.inside:
            return real_acquire(block, timeout)
        if real_acquire(False):
            t.emit(Kind.LOCK_ACQUIRED, name, 0, t.where()[0])
            return True
        if not block:
            return False
        loc = t.wait_begin(Kind.LOCK_WAIT, name, timeout, external=True)
        ok = False
        try:
            ok = real_acquire(True, timeout)
        finally:
            t.wait_end(Kind.LOCK_WOKE, name, int(ok), loc)
        if ok:
            t.emit(Kind.LOCK_ACQUIRED, name, 1, loc)
        return ok

    def release() -> None:
        t = _T
        if t is not None and threading.get_ident() not in t.inside:
            t.emit(Kind.LOCK_RELEASED, name, 0, t.where()[0])
        real_release()

    self.acquire, self.release = acquire, release


def _enter(self: mps.SemLock) -> bool:
    return self.acquire()


def _exit(self: mps.SemLock, *args: object) -> None:
    self.release()


def _queue_name(q: multiprocessing.queues.Queue) -> str:
    return f"mp.Queue {getattr(q._rlock._semlock, 'name', None) or id(q)}"


def _put(self: Any, obj: Any, block: bool = True, timeout: float | None = None) -> None:
    t = _T
    real = _REAL[(multiprocessing.queues.Queue, "put")]
    if t is None or threading.get_ident() in t.inside:
        return real(self, obj, block, timeout)
    t.emit(Kind.QUEUE_PUT, _queue_name(self), 0, t.where()[0])
    t.enter()  # the queue's own condition and feeder are not the program's
    try:
        return real(self, obj, block, timeout)
    finally:
        t.leave()


def _get(self: Any, block: bool = True, timeout: float | None = None) -> Any:
    t = _T
    real = _REAL[(multiprocessing.queues.Queue, "get")]
    if t is None or threading.get_ident() in t.inside:
        return real(self, block, timeout)
    name = _queue_name(self)
    loc = t.wait_begin(Kind.QUEUE_GET_WAIT, name, timeout if block else 0, external=True)
    ok = 0
    try:
        t.enter()  # the queue's own locks are not the program's
        try:
            item = real(self, block, timeout)
        finally:
            t.leave()
        ok = 1
    finally:
        t.wait_end(Kind.QUEUE_WOKE, name, ok, loc)
    t.emit(Kind.QUEUE_GOT, name, 0, loc)
    return item


PATCHES = {
    (mps.SemLock, "_make_methods"): _make_methods,
    (mps.SemLock, "__enter__"): _enter,
    (mps.SemLock, "__exit__"): _exit,
    (multiprocessing.queues.Queue, "put"): _put,
    (multiprocessing.queues.Queue, "get"): _get,
}


def install(tracer: Tracer) -> None:
    global _T
    _T = tracer
    for (owner, name), replacement in PATCHES.items():
        _REAL[(owner, name)] = getattr(owner, name)
        setattr(owner, name, replacement)


def uninstall() -> None:
    global _T
    _T = None
    for (owner, name), real in _REAL.items():
        setattr(owner, name, real)
    _REAL.clear()
