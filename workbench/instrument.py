"""Traced stand-ins for ``threading``, ``queue`` and ``time.sleep``, swapped in before a run.

Each stand-in wraps the real primitive and records one logical event per operation: a lock
acquisition, a wait and its wake-up, a put, a notify. A first non-blocking attempt tells an
uncontended acquisition (one event) from a contended one (wait, woke, acquired), so the common
case stays cheap. Primitives built on others (a Queue's mutex, an Event's condition) are not
recorded separately: the outer operation says what the program did.

``install(tracer)`` patches the modules in place, so built-in recipes and users' unchanged
scripts are traced the same way; ``uninstall()`` puts the originals back.
"""

from __future__ import annotations

import concurrent.futures._base
import importlib
import itertools
import multiprocessing.managers
import multiprocessing.process
import queue
import threading
import time
import types
from typing import Any

from workbench import manager_trace, mp_trace, pipe_trace
from workbench.tracer import INTERNAL_THREAD_PREFIX, Kind, Tracer

_T: Tracer | None = None  # the process's tracer while installed
_REAL: dict[str, Any] = {}
_allocate = threading._allocate_lock  # the C lock, never patched
get_ident = threading.get_ident
_K_ACQUIRED = _K_RELEASED = 0  # interned kind ids, set by install()


class TracedLock:
    """``threading.Lock`` that records acquisitions, waits and releases.

    The uncontended path is written out in full (no helper calls): it is the event most
    programs make most often, and tracing should cost it well under a microsecond."""

    _kind = "Lock"

    def __init__(self) -> None:
        self._lock = _allocate()
        self._name = _T.new_name(self._kind) if _T else self._kind
        self._oid = _T.strings.id(self._name) if _T else 0
        self._owner: int | None = None
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        t = _T
        me = get_ident()
        if t is None or me in t.inside:
            ok = self._lock.acquire(blocking, timeout)
            if ok:
                self._owner, self._count = me, 1
            return ok
        if self._lock.acquire(False):
            self._owner, self._count = me, 1
            t.record(_K_ACQUIRED, self._oid, 0, me)
            return True
        if self._owner == me and self._kind == "Lock" and blocking and timeout < 0:
            t.misuse(self._name, "acquires a Lock it already holds: it waits on itself forever")
        if not blocking:
            if timeout != -1:
                raise ValueError("can't specify a timeout for a non-blocking call")
            t.emit(Kind.LOCK_TRY_FAILED, self._name, 0, t.where()[0])
            return False
        loc = t.wait_begin(Kind.LOCK_WAIT, self._name, timeout if timeout >= 0 else None, self)
        ok = False
        try:
            ok = self._lock.acquire(True, timeout)
        finally:  # a signal handler's exception must not leave a wait that never ended
            t.wait_end(Kind.LOCK_WOKE, self._name, int(ok), loc)
        if ok:
            self._owner, self._count = me, 1
            t.emit(Kind.LOCK_ACQUIRED, self._name, 1, loc)
        return ok

    def release(self) -> None:
        t = _T
        me = get_ident()
        if t is None or me in t.inside:
            self._owner, self._count = None, 0
            self._lock.release()
            return
        if self._owner != me:
            if not self._lock.locked():
                t.misuse(self._name, "releases a lock that is not locked (RuntimeError)")
            else:
                t.misuse(self._name, "releases a lock that another thread holds")
        self._owner, self._count = None, 0
        t.record(_K_RELEASED, self._oid, 0, me)
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    acquire_lock = acquire  # the old names the C lock still has
    locked_lock = locked

    def release_lock(self) -> None:
        self.release()

    def _is_owned(self) -> bool:
        """Exact ownership for Condition (its fallback probes the lock, which would record)."""
        return self._lock.locked() and self._owner == get_ident()

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _at_fork_reinit(self) -> None:
        self._lock._at_fork_reinit()
        self._owner, self._count = None, 0

    def __repr__(self) -> str:
        state = "locked" if self._lock.locked() else "unlocked"
        return f"<{self._name} {state}>"


class TracedRLock(TracedLock):
    """``threading.RLock``: re-entrant; only the outermost acquire and release are recorded."""

    _kind = "RLock"

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self._owner == threading.get_ident():
            self._count += 1
            return True
        return super().acquire(blocking, timeout)

    __enter__ = acquire

    def release(self) -> None:
        if self._owner != threading.get_ident():
            if _T and not _T.suppressed():
                _T.misuse(self._name, "releases an RLock it does not hold (RuntimeError)")
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            super().release()

    def _recursion_count(self) -> int:
        """As the C RLock: how deep the calling thread holds it (multiprocessing asks)."""
        return self._count if self._owner == get_ident() else 0

    # Condition uses these to release an RLock completely while it waits.
    def _release_save(self) -> tuple[int, int | None]:
        state = (self._count, self._owner)
        self._count = 1
        super().release()
        return state

    def _acquire_restore(self, state: tuple[int, int | None]) -> None:
        super().acquire()
        self._count = state[0]


def real_event() -> threading.Event:
    """An Event whose insides are real primitives even while tracing is installed (its
    ``__init__`` would look up the patched ``Condition`` and ``Lock``)."""
    event = _REAL.get("Event", threading.Event).__new__(_REAL.get("Event", threading.Event))
    event._cond = _REAL.get("Condition", threading.Condition)(_allocate())
    event._flag = False
    return event


def real_semaphore(value: int, bounded: bool) -> threading.Semaphore:
    """A Semaphore with real insides (``BoundedSemaphore.__init__`` calls the module-global
    ``Semaphore``, which is the traced one while tracing is installed)."""
    cls = _REAL.get("BoundedSemaphore" if bounded else "Semaphore")
    sem = cls.__new__(cls)
    sem._cond = _REAL.get("Condition", threading.Condition)(_allocate())
    sem._value = value
    if bounded:
        sem._initial_value = value
    return sem


class TracedCondition(threading.Condition):  # subclass of the original: defined before install
    """``threading.Condition``: waits and notifies; its lock's release and re-acquire inside
    ``wait`` are recorded as what they are."""

    def __init__(self, lock: Any = None) -> None:
        super().__init__(lock if lock is not None else TracedRLock())
        self._name = _T.new_name("Condition") if _T else "Condition"

    def wait(self, timeout: float | None = None) -> bool:
        t = _T
        if t is None or t.suppressed():
            return super().wait(timeout)
        if not self._is_owned():
            t.misuse(self._name, "waits on a condition without holding its lock (RuntimeError)")
        loc = t.wait_begin(Kind.COND_WAIT, self._name, timeout)
        got = False
        try:
            got = super().wait(timeout)
        finally:
            t.wait_end(Kind.COND_WOKE, self._name, int(got), loc)
        return got

    def _check_owned(self, t: Any) -> None:
        if not self._is_owned():
            t.misuse(self._name, "notifies a condition without holding its lock (RuntimeError)")

    def notify(self, n: int = 1) -> None:
        t = _T
        if t and not t.suppressed():
            self._check_owned(t)
            t.emit(Kind.COND_NOTIFY, self._name, n, t.where()[0])
        super().notify(n)

    def notify_all(self) -> None:
        t = _T
        if t and not t.suppressed():
            self._check_owned(t)
            t.emit(Kind.COND_NOTIFY, self._name, len(self._waiters), t.where()[0])
        if t:
            t.enter()
        try:
            super().notify(len(self._waiters))
        finally:
            if t:
                t.leave()


class _Wrapped:
    """A primitive whose internals (locks, conditions) are not the user's: it records its own
    operations and runs the real one with recording suppressed."""

    _kind = "Primitive"

    def _inner(self, method: Any, *args: Any) -> Any:
        t = _T
        if t is None:
            return method(*args)
        t.enter()
        try:
            return method(*args)
        finally:
            t.leave()


class TracedEvent(_Wrapped):
    _kind = "Event"

    def __init__(self) -> None:
        self._event = real_event()
        self._name = _T.new_name("Event") if _T else "Event"

    def is_set(self) -> bool:
        return self._event.is_set()

    @property
    def _flag(self) -> bool:  # read by code that peeks at the real Event's insides
        return self._event._flag

    @property
    def _cond(self) -> Any:
        return self._event._cond

    isSet = is_set

    def set(self) -> None:
        if _T and not _T.suppressed():
            _T.emit(Kind.EVENT_SET, self._name, 0, _T.where()[0])
        self._inner(self._event.set)

    def clear(self) -> None:
        if _T and not _T.suppressed():
            _T.emit(Kind.EVENT_CLEAR, self._name, 0, _T.where()[0])
        self._inner(self._event.clear)

    def wait(self, timeout: float | None = None) -> bool:
        t = _T
        if t is None or t.suppressed():
            return self._inner(self._event.wait, timeout)
        if self._event.is_set():  # no wait, but the set still happened before this
            t.emit(Kind.EVENT_WOKE, self._name, 1, t.where()[0])
            return True
        loc = t.wait_begin(Kind.EVENT_WAIT, self._name, timeout)
        got = False
        try:
            got = self._inner(self._event.wait, timeout)
        finally:
            t.wait_end(Kind.EVENT_WOKE, self._name, int(got), loc)
        return got


class TracedSemaphore(_Wrapped):
    _kind = "Semaphore"
    _bounded = False

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._sem = real_semaphore(value, self._bounded)
        self._name = _T.new_name(self._kind) if _T else self._kind

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        t = _T
        if t is None or t.suppressed():
            return self._inner(self._sem.acquire, blocking, timeout)
        if self._inner(self._sem.acquire, False):
            t.emit(Kind.SEM_ACQUIRED, self._name, 0, t.where()[0])
            return True
        if not blocking:
            return False
        loc = t.wait_begin(Kind.SEM_WAIT, self._name, timeout)
        ok = False
        try:
            ok = self._inner(self._sem.acquire, True, timeout)
        finally:
            t.wait_end(Kind.SEM_WOKE, self._name, int(ok), loc)
        if ok:
            t.emit(Kind.SEM_ACQUIRED, self._name, 1, loc)
        return ok

    __enter__ = acquire

    def release(self, n: int = 1) -> None:
        t = _T
        if t and not t.suppressed():
            t.emit(Kind.SEM_RELEASED, self._name, n, t.where()[0])
        try:
            self._inner(self._sem.release, n)
        except ValueError:
            if t:
                t.misuse(self._name, "releases a BoundedSemaphore more often than acquired")
            raise

    def __exit__(self, *exc: object) -> None:
        self.release()

    @property
    def _value(self) -> int:  # read by code that peeks at the real Semaphore's count
        return self._sem._value


class TracedBoundedSemaphore(TracedSemaphore):
    _kind = "BoundedSemaphore"
    _bounded = True


class TracedBarrier(_Wrapped):
    def __init__(self, parties: int, action: Any = None, timeout: float | None = None) -> None:
        self._barrier = _REAL["Barrier"](parties, action, timeout)
        self._name = _T.new_name("Barrier") if _T else "Barrier"

    def wait(self, timeout: float | None = None) -> int:
        t = _T
        if t is None or t.suppressed():
            return self._inner(self._barrier.wait, timeout)
        timed = timeout if timeout is not None else self._barrier._timeout
        loc = t.wait_begin(Kind.BARRIER_WAIT, self._name, timed)
        passed = 0
        try:
            index = self._inner(self._barrier.wait, timeout)
            passed = 1
            return index
        finally:
            t.wait_end(Kind.BARRIER_WOKE, self._name, passed, loc)

    def __getattr__(self, name: str) -> Any:  # parties, n_waiting, broken, reset, abort
        return getattr(self._barrier, name)


def _queue_name(q: Any) -> str:
    name = q.__dict__.get("_wb_name")
    if name is None:
        name = q._wb_name = _T.new_name(type(q).__name__) if _T else type(q).__name__
    return name


def _queue_init(self: Any, *args: Any, **kwargs: Any) -> None:
    _REAL["Queue.__init__"](self, *args, **kwargs)
    if _T:
        self._wb_name = _T.new_name(type(self).__name__)  # named where it was made


def _queue_put(self: Any, item: Any, block: bool = True, timeout: float | None = None) -> None:
    t = _T
    if t is None or get_ident() in t.inside:
        return _REAL["Queue.put"](self, item, block, timeout)
    name = _queue_name(self)
    full = self.maxsize > 0 and self._qsize() >= self.maxsize  # unlocked peek
    loc = t.wait_begin(Kind.QUEUE_PUT_WAIT, name, timeout) if full and block else t.where()[0]
    # Recorded before the real put: a getter may take the item (and record its get) before
    # put() returns, and the put must come first on the timeline and in happens-before.
    t.emit(Kind.QUEUE_PUT, name, id(item) & 0xFFFFFFFF, loc)
    t.enter()
    try:
        _REAL["Queue.put"](self, item, block, timeout)
    finally:
        t.leave()
        if full and block:
            t.wait_end(Kind.QUEUE_WOKE, name, 1, loc)


def _queue_get(self: Any, block: bool = True, timeout: float | None = None) -> Any:
    t = _T
    if t is None or get_ident() in t.inside:
        return _REAL["Queue.get"](self, block, timeout)
    name = _queue_name(self)
    empty = not self._qsize()  # unlocked peek: only decides whether to show a wait
    loc = t.wait_begin(Kind.QUEUE_GET_WAIT, name, timeout) if empty and block else t.where()[0]
    t.enter()
    try:
        item = _REAL["Queue.get"](self, block, timeout)
    finally:
        t.leave()
        if empty and block:
            t.wait_end(Kind.QUEUE_WOKE, name, 1, loc)
    t.emit(Kind.QUEUE_GOT, name, id(item) & 0xFFFFFFFF, loc)
    return item


def _queue_task_done(self: Any) -> None:
    t = _T
    if t is None or get_ident() in t.inside:
        return _REAL["Queue.task_done"](self)
    t.emit(Kind.QUEUE_DONE, _queue_name(self), 0, t.where()[0])
    t.enter()
    try:
        _REAL["Queue.task_done"](self)
    finally:
        t.leave()


def _queue_join(self: Any) -> None:
    t = _T
    if t is None or get_ident() in t.inside:
        return _REAL["Queue.join"](self)
    name = _queue_name(self)
    loc = t.wait_begin(Kind.QUEUE_JOIN_WAIT, name, None)
    t.enter()
    try:
        _REAL["Queue.join"](self)
    finally:
        t.leave()
        t.wait_end(Kind.QUEUE_JOIN_WOKE, name, 1, loc)


class TracedSimpleQueue:
    """``queue.SimpleQueue`` is written in C; this wraps one instead of subclassing."""

    __class_getitem__ = classmethod(types.GenericAlias)

    def __init__(self) -> None:
        self._q = _REAL["SimpleQueue"]()
        self._name = _T.new_name("SimpleQueue") if _T else "SimpleQueue"

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        if _T and not _T.suppressed():
            _T.emit(Kind.QUEUE_PUT, self._name, id(item) & 0xFFFFFFFF, _T.where()[0])
        self._q.put(item, block, timeout)

    put_nowait = put

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        t = _T
        if t is None or t.suppressed() or not block or not self._q.empty():
            item = self._q.get(block, timeout)
        else:
            loc = t.wait_begin(Kind.QUEUE_GET_WAIT, self._name, timeout)
            try:
                item = self._q.get(block, timeout)
            finally:
                t.wait_end(Kind.QUEUE_WOKE, self._name, 1, loc)
        if t and not t.suppressed():
            t.emit(Kind.QUEUE_GOT, self._name, id(item) & 0xFFFFFFFF, t.where()[0])
        return item

    def get_nowait(self) -> Any:
        return self.get(False)

    def empty(self) -> bool:
        return self._q.empty()

    def qsize(self) -> int:
        return self._q.qsize()


def _traced_sleep(seconds: float) -> None:
    t = _T
    if t is None or t.suppressed() or seconds <= 0:
        return _REAL["sleep"](seconds)
    loc = t.wait_begin(Kind.SLEEP, "sleep", seconds)
    try:
        _REAL["sleep"](seconds)
    finally:
        t.wait_end(Kind.SLEEP_END, "sleep", int(seconds * 1e9), loc)


def _init(self: threading.Thread, *args: Any, **kwargs: Any) -> None:
    _REAL["Thread.__init__"](self, *args, **kwargs)
    self._started = real_event()  # the start handshake is the runtime's, not the program's


def _future_init(self: concurrent.futures.Future) -> None:
    """A future's result is waited for on its condition: name it after the future, so a
    deadlock says ``Future#8 @ app.py:14`` (where it was submitted), not ``Condition#8``."""
    _REAL["Future.__init__"](self)
    cond = self._condition
    if isinstance(cond, TracedCondition):
        cond._name = cond._name.replace("Condition", "Future", 1)


_serials = itertools.count(1)  # per process: a thread's number, as names may repeat


def _start(self: threading.Thread) -> None:
    t = _T
    self._wb_serial = serial = next(_serials)
    if t and not t.suppressed():  # before the child runs: the child's clock starts from here
        t.emit(Kind.THREAD_START, self.name, serial, t.where()[0])
    _REAL["Thread.start"](self)


def _bootstrap_inner(self: threading.Thread) -> None:
    t = _T
    if t and self.name.startswith(INTERNAL_THREAD_PREFIX):
        t = None  # the workbench's own threads get no lane
    serial = self.__dict__.get("_wb_serial", 0)
    if t:
        t.thread_began(self.name, serial)
    try:
        _REAL["Thread._bootstrap_inner"](self)
    finally:
        if t:
            t.thread_ended(self.name, serial)


def _join(self: threading.Thread, timeout: float | None = None) -> None:
    t = _T
    if t is None or t.suppressed():
        return _REAL["Thread.join"](self, timeout)
    if not self.is_alive():  # no wait, but the join still orders the thread's work before this
        _REAL["Thread.join"](self, timeout)
        t.emit(Kind.JOIN_WOKE, self.name, self.__dict__.get("_wb_serial", -1), t.where()[0])
        return None
    loc = t.wait_begin(Kind.JOIN_WAIT, self.name, timeout, self.ident)
    try:
        _REAL["Thread.join"](self, timeout)
    finally:
        ended = self.__dict__.get("_wb_serial", -1) if not self.is_alive() else 0
        t.wait_end(Kind.JOIN_WOKE, self.name, ended, loc)


def _process_start(self: Any) -> None:
    t = _T
    before = time.perf_counter_ns()  # the start comes before anything the child records
    _REAL["BaseProcess.start"](self)
    if t and get_ident() not in t.inside:
        loc = t.where()[0]
        obj = t.strings.id(self.name)
        t.buffer._rows.append(
            (before, t._pid, get_ident(), t.kind_ids[Kind.PROCESS_START], obj, self.pid or 0, loc)
        )
        t._progressed(get_ident())


def process_label(process: Any) -> str:
    """``process Worker [pid 812]``: names may repeat, pids do not (while they live)."""
    return f"process {process.name} [pid {process.pid}]"


def _process_join(self: Any, timeout: float | None = None) -> None:
    t = _T
    if t is None or get_ident() in t.inside:
        return _REAL["BaseProcess.join"](self, timeout)
    name = process_label(self)
    loc = t.wait_begin(Kind.PROCESS_JOIN, name, timeout, self.pid, external=True)
    try:
        _REAL["BaseProcess.join"](self, timeout)
    finally:
        code = self.exitcode
        t.wait_end(Kind.PROCESS_JOINED, name, -1000 if code is None else code, loc)


at_process_exit: list[Any] = []  # called when a multiprocessing child's work is over


def _process_bootstrap(self: Any, *args: Any, **kwargs: Any) -> int:
    """A multiprocessing child names its lanes first; a forked child leaves with ``os._exit``
    right after this returns, so what it recorded is flushed here."""
    t = _T
    if t is not None:
        t.emit(Kind.PROCESS_NAME, self.name, 0)
    try:
        return _REAL["BaseProcess._bootstrap"](self, *args, **kwargs)
    finally:
        for hook in at_process_exit:
            hook()


PATCHES = {
    (threading, "Lock"): TracedLock,
    (threading, "RLock"): TracedRLock,
    (threading, "Condition"): TracedCondition,
    (threading, "Event"): TracedEvent,
    (threading, "Semaphore"): TracedSemaphore,
    (threading, "BoundedSemaphore"): TracedBoundedSemaphore,
    (threading, "Barrier"): TracedBarrier,
    # queue.Queue's methods are patched in place (LifoQueue and PriorityQueue inherit them):
    # the class itself stays the same object, so a Manager can still pickle it by name.
    (queue.Queue, "__init__"): _queue_init,
    (queue.Queue, "put"): _queue_put,
    (queue.Queue, "get"): _queue_get,
    (queue.Queue, "task_done"): _queue_task_done,
    (queue.Queue, "join"): _queue_join,
    (queue, "SimpleQueue"): TracedSimpleQueue,
    (time, "sleep"): _traced_sleep,
    (threading.Thread, "__init__"): _init,
    (concurrent.futures.Future, "__init__"): _future_init,
    (threading.Thread, "start"): _start,
    (threading.Thread, "_bootstrap_inner"): _bootstrap_inner,
    (threading.Thread, "join"): _join,
    (multiprocessing.process.BaseProcess, "start"): _process_start,
    (multiprocessing.process.BaseProcess, "join"): _process_join,
    (multiprocessing.process.BaseProcess, "_bootstrap"): _process_bootstrap,
}


def _key(owner: Any, name: str) -> str:
    return f"{owner.__name__}.{name}" if isinstance(owner, type) else name


# Standard-library modules that subclass threading's classes at import time
# (``multiprocessing.synchronize.Barrier(threading.Barrier)``): imported before the swap, so
# their classes keep the real bases; a later import would subclass the traced stand-ins.
PREIMPORT = (
    "multiprocessing.synchronize",
    "multiprocessing.queues",
    "multiprocessing.managers",
    "multiprocessing.pool",
    "concurrent.futures.thread",
    "concurrent.futures.process",
    "logging",
)


def _swap_manager_registry(old_to_new: dict[Any, Any]) -> None:
    """A Manager pickles its registry of types by name to start its server, and pickle refuses
    ``threading.Event`` while that name leads to the stand-in: the registry holds the
    stand-ins (``workbench.instrument.TracedEvent``) instead, which pickle by their own name."""
    registry = multiprocessing.managers.SyncManager._registry
    for typeid, (callable_, *rest) in list(registry.items()):
        if callable_ in old_to_new:
            registry[typeid] = (old_to_new[callable_], *rest)


def install(tracer: Tracer) -> None:
    """Swap the traced primitives in; every primitive created from now on is recorded."""
    for module in PREIMPORT:
        importlib.import_module(module)
    global _T, _K_ACQUIRED, _K_RELEASED
    _K_ACQUIRED = tracer.kind_ids[Kind.LOCK_ACQUIRED]
    _K_RELEASED = tracer.kind_ids[Kind.LOCK_RELEASED]
    if _REAL:
        raise RuntimeError("tracing is already installed")
    for (owner, name), replacement in PATCHES.items():
        key = _key(owner, name)
        _REAL[key] = getattr(owner, name)
        setattr(owner, name, replacement)
    _T = tracer
    _swap_manager_registry(
        {_REAL[_key(o, n)]: new for (o, n), new in PATCHES.items() if o is threading}
    )
    mp_trace.install(tracer)
    pipe_trace.install(tracer)
    manager_trace.install(tracer)


def uninstall() -> None:
    global _T
    manager_trace.uninstall()
    pipe_trace.uninstall()
    mp_trace.uninstall()
    _T = None
    _swap_manager_registry(
        {new: _REAL[_key(o, n)] for (o, n), new in PATCHES.items() if o is threading}
    )
    for (owner, name), _ in PATCHES.items():
        setattr(owner, name, _REAL.pop(_key(owner, name)))
