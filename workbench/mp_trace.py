"""multiprocessing's own primitives under tracing: Lock, RLock, Semaphore, Event, Condition,
Barrier, Queue and JoinableQueue.

They are all built on ``SemLock``, a semaphore the operating system shares between processes
under one name (``/mp-…``). The traced ``acquire`` / ``release`` record that name, so the
same lock has the same name in every traced process of the run: its holds and waits line up
on the one timeline, lock-order inversions across processes are found, and a release in one
process orders an acquire in another. Event, Condition and Barrier are recorded as what they
are (named after their inner semaphore or lock), their inner semaphores are not;
``multiprocessing.Queue`` put/get by the name of the queue's read lock.

Every wait here is ``external``: another process may end it, so it never makes this process
look deadlocked on its own; the controller decides across processes (:mod:`workbench.crossproc`)
from the waits and the locks each thread holds (:data:`HELD`).
"""

from __future__ import annotations

import multiprocessing.queues
import multiprocessing.synchronize as mps
import threading
import weakref
from typing import Any

from workbench.tracer import Kind, Tracer

_T: Tracer | None = None
_REAL: dict[tuple[Any, str], Any] = {}
_OWN: dict[tuple[Any, str], bool] = {}
HELD: dict[int, dict[str, int]] = {}  # thread ident -> shared lock name -> depth, this process


def hold(tid: int, name: str, delta: int) -> None:
    """Note that thread ``tid`` took (+1) or let go of (-1) the shared lock ``name``. A Lock
    may be released by a thread that did not take it: then the taker no longer holds it."""
    if delta < 0 and name not in HELD.get(tid, ()):
        tid = next((other for other, held in list(HELD.items()) if name in held), tid)
    mine = HELD.setdefault(tid, {})
    depth = mine.get(name, 0) + delta
    if depth > 0:
        mine[name] = depth
    else:
        mine.pop(name, None)


def _name(lock: mps.SemLock) -> str:
    return f"mp.{type(lock).__name__} {getattr(lock._semlock, 'name', None) or id(lock)}"


def _make_methods(self: mps.SemLock) -> None:
    _REAL[(mps.SemLock, "_make_methods")](self)
    real_acquire, real_release = self._semlock.acquire, self._semlock.release
    name = _name(self)
    is_lock = isinstance(self, (mps.Lock, mps.RLock))  # a Semaphore has no holder
    got, wait, woke, let_go = (
        (Kind.LOCK_ACQUIRED, Kind.LOCK_WAIT, Kind.LOCK_WOKE, Kind.LOCK_RELEASED)
        if is_lock
        else (Kind.SEM_ACQUIRED, Kind.SEM_WAIT, Kind.SEM_WOKE, Kind.SEM_RELEASED)
    )

    def acquire(block: bool = True, timeout: float | None = None) -> bool:
        t = _T
        me = threading.get_ident()
        if t is None or me in t.inside:
            return real_acquire(block, timeout)
        if real_acquire(False):
            t.emit(got, name, 0, t.where()[0])
            if is_lock:
                hold(me, name, 1)
            return True
        if not block:
            return False
        loc = t.wait_begin(wait, name, timeout, external=True)
        ok = False
        try:
            ok = real_acquire(True, timeout)
        finally:
            t.wait_end(woke, name, int(ok), loc)
        if ok:
            t.emit(got, name, 1, loc)
            if is_lock:
                hold(me, name, 1)
        return ok

    def release() -> None:
        t = _T
        me = threading.get_ident()
        if t is not None and me not in t.inside:
            t.emit(let_go, name, 0 if is_lock else 1, t.where()[0])
            if is_lock:
                hold(me, name, -1)
        real_release()

    self.acquire, self.release = acquire, release


def _enter(self: mps.SemLock) -> bool:
    return self.acquire()


def _exit(self: mps.SemLock, *args: object) -> None:
    self.release()


def _inner(t: Tracer, method: Any, *args: Any) -> Any:
    """Run a primitive's own insides unrecorded: its semaphores are not the program's."""
    t.enter()
    try:
        return method(*args)
    finally:
        t.leave()


def _event_name(e: mps.Event) -> str:
    return f"mp.Event {getattr(e._flag._semlock, 'name', None) or id(e)}"


def _event_set(self: mps.Event) -> None:
    t = _T
    real = _REAL[(mps.Event, "set")]
    if t is None or threading.get_ident() in t.inside:
        return real(self)
    t.emit(Kind.EVENT_SET, _event_name(self), 0, t.where()[0])
    return _inner(t, real, self)


def _event_clear(self: mps.Event) -> None:
    t = _T
    real = _REAL[(mps.Event, "clear")]
    if t is None or threading.get_ident() in t.inside:
        return real(self)
    t.emit(Kind.EVENT_CLEAR, _event_name(self), 0, t.where()[0])
    return _inner(t, real, self)


def _event_wait(self: mps.Event, timeout: float | None = None) -> bool:
    t = _T
    real = _REAL[(mps.Event, "wait")]
    if t is None or threading.get_ident() in t.inside:
        return real(self, timeout)
    name = _event_name(self)
    if _inner(t, self.is_set):
        t.emit(Kind.EVENT_WOKE, name, 1, t.where()[0])
        return True
    loc = t.wait_begin(Kind.EVENT_WAIT, name, timeout, external=True)
    got = False
    try:
        got = _inner(t, real, self, timeout)
    finally:
        t.wait_end(Kind.EVENT_WOKE, name, int(got), loc)
    return got


def _cond_name(c: mps.Condition) -> str:
    return f"mp.Condition {getattr(c._lock._semlock, 'name', None) or id(c)}"


def _cond_wait(self: mps.Condition, timeout: float | None = None) -> bool:
    t = _T
    real = _REAL[(mps.Condition, "wait")]
    me = threading.get_ident()
    if t is None or me in t.inside:
        return real(self, timeout)
    name, lock = _cond_name(self), _name(self._lock)
    if not self._lock._semlock._is_mine():
        t.misuse(name, "waits on a condition without holding its lock (AssertionError)")
        return real(self, timeout)
    depth = HELD.get(me, {}).get(lock, 0)
    t.emit(Kind.LOCK_RELEASED, lock, 0, t.where()[0])  # wait lets go of the lock …
    hold(me, lock, -depth)
    loc = t.wait_begin(Kind.COND_WAIT, name, timeout, external=True)
    got = False
    try:
        got = _inner(t, real, self, timeout)
    finally:
        t.wait_end(Kind.COND_WOKE, name, int(got), loc)
        t.emit(Kind.LOCK_ACQUIRED, lock, 1, loc)  # … and has it again when it returns
        hold(me, lock, depth)
    return got


def _cond_notify(self: mps.Condition, n: int = 1) -> None:
    t = _T
    real = _REAL[(mps.Condition, "notify")]
    if t is None or threading.get_ident() in t.inside:
        return real(self, n)
    t.emit(Kind.COND_NOTIFY, _cond_name(self), n, t.where()[0])
    return _inner(t, real, self, n)


def _cond_notify_all(self: mps.Condition) -> None:
    t = _T
    real = _REAL[(mps.Condition, "notify_all")]
    if t is None or threading.get_ident() in t.inside:
        return real(self)
    t.emit(Kind.COND_NOTIFY, _cond_name(self), 0, t.where()[0])
    return _inner(t, real, self)


def _barrier_wait(self: mps.Barrier, timeout: float | None = None) -> int:
    t = _T
    real = _REAL[(mps.Barrier, "wait")]
    if t is None or threading.get_ident() in t.inside:
        return real(self, timeout)
    name = f"mp.Barrier {getattr(self._cond._lock._semlock, 'name', None) or id(self)}"
    timed = timeout if timeout is not None else self._timeout
    loc = t.wait_begin(Kind.BARRIER_WAIT, name, timed, external=True)
    passed = 0
    try:
        index = _inner(t, real, self, timeout)
        passed = 1
        return index
    finally:
        t.wait_end(Kind.BARRIER_WOKE, name, passed, loc)


def _queue_name(q: multiprocessing.queues.Queue) -> str:
    kind = "JoinableQueue" if isinstance(q, multiprocessing.queues.JoinableQueue) else "Queue"
    return f"mp.{kind} {getattr(q._rlock._semlock, 'name', None) or id(q)}"


def _putter(cls: type) -> Any:
    def put(self: Any, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        t = _T
        real = _REAL[(cls, "put")]
        if t is None or threading.get_ident() in t.inside:
            return real(self, obj, block, timeout)
        name = _queue_name(self)
        t.emit(Kind.QUEUE_PUT, name, 0, t.where()[0])
        wait = t.quiet_wait(Kind.QUEUE_PUT_WAIT, name, timeout if block else 0)  # a full queue
        t.enter()  # the queue's own condition and feeder are not the program's
        try:
            return real(self, obj, block, timeout)
        finally:
            t.leave()
            t.quiet_end(wait)

    return put


def _get(self: Any, block: bool = True, timeout: float | None = None) -> Any:
    t = _T
    real = _REAL[(multiprocessing.queues.Queue, "get")]
    if t is None or threading.get_ident() in t.inside:
        return real(self, block, timeout)
    name = _queue_name(self)
    loc = t.wait_begin(Kind.QUEUE_GET_WAIT, name, timeout if block else 0, external=True)
    ok = 0
    try:
        item = _inner(t, real, self, block, timeout)
        ok = 1
    finally:
        t.wait_end(Kind.QUEUE_WOKE, name, ok, loc)
    t.emit(Kind.QUEUE_GOT, name, 0, loc)
    return item


def _task_done(self: Any) -> None:
    t = _T
    real = _REAL[(multiprocessing.queues.JoinableQueue, "task_done")]
    if t is None or threading.get_ident() in t.inside:
        return real(self)
    t.emit(Kind.QUEUE_DONE, _queue_name(self), 0, t.where()[0])
    return _inner(t, real, self)


def _join(self: Any) -> None:
    t = _T
    real = _REAL[(multiprocessing.queues.JoinableQueue, "join")]
    if t is None or threading.get_ident() in t.inside:
        return real(self)
    name = _queue_name(self)
    loc = t.wait_begin(Kind.QUEUE_JOIN_WAIT, name, None, external=True)
    try:
        _inner(t, real, self)
    finally:
        t.wait_end(Kind.QUEUE_JOIN_WOKE, name, 1, loc)


_FEEDS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()  # writer -> queue


def _start_thread(self: Any) -> None:
    _FEEDS[self._writer] = _queue_name(self)
    return _REAL[(multiprocessing.queues.Queue, "_start_thread")](self)


def _feed(buffer: Any, notempty: Any, send_bytes: Any, *rest: Any) -> None:
    """The feeder thread: while a write to the queue's pipe blocks (the pipe is full and
    nobody reads), the thread waits on the queue as surely as a blocked put does; its
    pickling, before the write, is work."""
    name = _FEEDS.get(getattr(send_bytes, "__self__", None), "mp.Queue")

    def send(data: Any) -> None:
        t = _T
        if t is None:
            return send_bytes(data)
        wait = t.quiet_wait(Kind.QUEUE_PUT_WAIT, name, None)
        try:
            return send_bytes(data)
        finally:
            t.quiet_end(wait)

    return _REAL[(multiprocessing.queues.Queue, "_feed")](buffer, notempty, send, *rest)


_Q, _JQ = multiprocessing.queues.Queue, multiprocessing.queues.JoinableQueue
PATCHES = {
    (mps.SemLock, "_make_methods"): _make_methods,
    (mps.SemLock, "__enter__"): _enter,
    (mps.SemLock, "__exit__"): _exit,
    (mps.Event, "set"): _event_set,
    (mps.Event, "clear"): _event_clear,
    (mps.Event, "wait"): _event_wait,
    (mps.Condition, "wait"): _cond_wait,
    (mps.Condition, "notify"): _cond_notify,
    (mps.Condition, "notify_all"): _cond_notify_all,
    (mps.Barrier, "wait"): _barrier_wait,
    (_Q, "put"): _putter(_Q),
    (_Q, "get"): _get,
    (_JQ, "put"): _putter(_JQ),
    (_JQ, "task_done"): _task_done,
    (_JQ, "join"): _join,
    (_Q, "_start_thread"): _start_thread,
    (_Q, "_feed"): staticmethod(_feed),
}


def install(tracer: Tracer) -> None:
    global _T
    _T = tracer
    for (owner, name), replacement in PATCHES.items():
        _OWN[(owner, name)] = own = name in owner.__dict__
        _REAL[(owner, name)] = owner.__dict__[name] if own else getattr(owner, name)
        setattr(owner, name, replacement)


def uninstall() -> None:
    global _T
    _T = None
    for (owner, name), real in _REAL.items():
        if _OWN[(owner, name)]:
            setattr(owner, name, real)
        else:  # inherited (Barrier.wait from threading.Barrier): inherit it again
            delattr(owner, name)
    _REAL.clear()
