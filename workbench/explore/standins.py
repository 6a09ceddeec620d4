"""Stand-ins for threading's primitives that never block for real.

Each operation is a scheduling point of the running :class:`~workbench.explore.control.Controller`
(CHESS yields at every synchronisation operation, and so do we); a thread that would wait is
marked blocked with a reason and a wake-up predicate instead. :func:`installed` swaps them into
``threading``, ``queue`` and ``time`` for one execution, so a program that says
``threading.Lock()`` or ``queue.Queue()`` (whose mutex and conditions come from ``threading``)
gets them unchanged. Object tags such as ``Lock#3`` are by creation order, so they are the same in
every execution of one schedule; the step view replaces them by the program's own names.
"""

from __future__ import annotations

import concurrent.futures.process
import concurrent.futures.thread
import contextlib
import multiprocessing.process
import multiprocessing.resource_tracker
import multiprocessing.synchronize
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from workbench.explore.control import Controller

_CTL: Controller | None = None
BrokenBarrierError = threading.BrokenBarrierError


def ctl() -> Controller:
    assert _CTL is not None, "a stand-in used outside an execution"
    return _CTL


class _Prim:
    kind = "Prim"

    def __init__(self) -> None:
        self._c = ctl()
        self._wb_tag = f"{self.kind}#{self._c.new_object()}"

    def __repr__(self) -> str:
        return f"<{self._wb_tag}>"


class Lock(_Prim):
    kind = "Lock"

    def __init__(self) -> None:
        super().__init__()
        self._owner: Any = None
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        c = self._c
        c.point(f"acquire {self._wb_tag}")
        me = c.current
        if self._owner is me and self.kind == "RLock":
            self._count += 1
            return True
        if self._owner is not None:
            if not blocking:
                return False
            reason = f"waits for {self._wb_tag} held by {self._owner.name}"
            if not c.block(f"acquire {self._wb_tag}", reason, self._free, timeout >= 0):
                return False
        self._owner, self._count = me, 1
        return True

    def _free(self) -> bool:
        return self._owner is None

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self) -> None:
        c = self._c
        c.point(f"release {self._wb_tag}")
        if self._owner is None:
            raise RuntimeError("release unlocked lock")
        if self.kind == "RLock":
            if self._owner is not c.current:
                raise RuntimeError("cannot release un-acquired lock")
            self._count -= 1
            if self._count:
                return
        self._owner = None

    def locked(self) -> bool:
        return self._owner is not None

    def owner_name(self) -> str | None:
        return None if self._owner is None else self._owner.name

    # what Condition needs from its lock
    def _is_owned(self) -> bool:
        return self._owner is self._c.current

    def _release_save(self) -> int:
        count, self._owner, self._count = self._count, None, 0
        return count

    def _acquire_restore(self, count: int) -> None:
        self._owner, self._count = self._c.current, count


class RLock(Lock):
    kind = "RLock"


class Condition(_Prim):
    kind = "Condition"

    def __init__(self, lock: Lock | None = None) -> None:
        super().__init__()
        self._lock = lock if lock is not None else RLock()
        self._waiters: list[list[bool]] = []
        self.acquire, self.release = self._lock.acquire, self._lock.release

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def wait(self, timeout: float | None = None) -> bool:
        c, lock = self._c, self._lock
        c.point(f"wait {self._wb_tag}")
        if not lock._is_owned():
            raise RuntimeError("cannot wait on un-acquired lock")
        count = lock._release_save()
        waiter = [False]
        self._waiters.append(waiter)
        notified = c.block(
            f"wait {self._wb_tag}",
            f"waits on {self._wb_tag}",
            lambda: waiter[0],
            timeout is not None,
        )
        if not notified and waiter in self._waiters:
            self._waiters.remove(waiter)
        reason = f"wants {lock._wb_tag} back after waiting on {self._wb_tag}"
        c.block(f"reacquire {lock._wb_tag}", reason, lock._free)
        lock._acquire_restore(count)
        return notified

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        result = predicate()
        while not result:
            if not self.wait(timeout) and timeout is not None:
                return predicate()
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        self._c.point(f"notify {self._wb_tag}")
        if not self._lock._is_owned():
            raise RuntimeError("cannot notify on un-acquired lock")
        for waiter in self._waiters[:n]:
            waiter[0] = True
        del self._waiters[:n]

    def notify_all(self) -> None:
        self.notify(len(self._waiters))

    notifyAll = notify_all


class Semaphore(_Prim):
    kind = "Semaphore"

    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        super().__init__()
        self._value = self._initial = value

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        c = self._c
        c.point(f"acquire {self._wb_tag}")
        if self._value == 0:
            if not blocking:
                return False
            reason = f"waits for {self._wb_tag} (value 0)"
            if not c.block(f"acquire {self._wb_tag}", reason, self._positive, timeout is not None):
                return False
        self._value -= 1
        return True

    def _positive(self) -> bool:
        return self._value > 0

    __enter__ = acquire

    def __exit__(self, *exc: object) -> None:
        self.release()

    def release(self, n: int = 1) -> None:
        self._c.point(f"release {self._wb_tag}")
        if self.kind == "BoundedSemaphore" and self._value + n > self._initial:
            raise ValueError("Semaphore released too many times")
        self._value += n


class BoundedSemaphore(Semaphore):
    kind = "BoundedSemaphore"


class Event(_Prim):
    kind = "Event"

    def __init__(self) -> None:
        super().__init__()
        self._flag = False

    def is_set(self) -> bool:
        self._c.point(f"is_set {self._wb_tag}")
        return self._flag

    isSet = is_set

    def set(self) -> None:
        self._c.point(f"set {self._wb_tag}")
        self._flag = True

    def clear(self) -> None:
        self._c.point(f"clear {self._wb_tag}")
        self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        c = self._c
        c.point(f"wait {self._wb_tag}")
        if not self._flag:
            reason = f"waits for {self._wb_tag} to be set"
            c.block(f"wait {self._wb_tag}", reason, lambda: self._flag, timeout is not None)
        return self._flag


class Barrier(_Prim):
    kind = "Barrier"

    def __init__(self, parties: int, action: Callable[[], Any] | None = None, timeout: Any = None):
        if parties < 1:
            raise ValueError("parties must be > 0")
        super().__init__()
        self._parties, self._action = parties, action
        self._count = self._generation = 0
        self._broken = False

    def wait(self, timeout: float | None = None) -> int:
        c = self._c
        c.point(f"wait {self._wb_tag}")
        if self._broken:
            raise BrokenBarrierError
        index, generation = self._count, self._generation
        self._count += 1
        if self._count == self._parties:
            try:
                if self._action:
                    self._action()
            except BaseException:
                self.abort()
                raise
            self._count, self._generation = 0, self._generation + 1
            return index
        reason = f"waits at {self._wb_tag} ({self._count} of {self._parties} there)"

        def passed() -> bool:
            return self._generation != generation or self._broken

        if not c.block(f"wait {self._wb_tag}", reason, passed, timeout is not None):
            self.abort()
        if self._broken:
            raise BrokenBarrierError
        return index

    def abort(self) -> None:
        self._broken = True
        self._count = 0

    def reset(self) -> None:
        self._broken, self._count = False, 0
        self._generation += 1

    @property
    def parties(self) -> int:
        return self._parties

    @property
    def n_waiting(self) -> int:
        return self._count

    @property
    def broken(self) -> bool:
        return self._broken


class Thread:
    """threading.Thread whose start, run and join the controller decides."""

    def __init__(
        self,
        group: Any = None,
        target: Callable[..., Any] | None = None,
        name: str | None = None,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
        *,
        daemon: bool | None = None,
    ) -> None:
        self._c = ctl()
        self._target, self._args, self._kwargs = target, args, kwargs or {}
        if name is None:  # as threading names them: a number for each, and the target's name
            self._c.unnamed += 1
            name = f"Thread-{self._c.unnamed}"
            if target is not None:
                name += f" ({getattr(target, '__name__', '?')})"
        self._name = name
        self._daemon = bool(daemon)
        self._ct: Any = None

    def start(self) -> None:
        c = self._c
        c.point(f"start {self._name}")
        if self._ct is not None:
            raise RuntimeError("threads can only be started once")
        self._ct = c.spawn(self._name, self.run, user=self)
        self._ct.daemon = self._daemon

    def run(self) -> None:
        if self._target is not None:
            self._target(*self._args, **self._kwargs)

    def join(self, timeout: float | None = None) -> None:
        c = self._c
        c.point(f"join {self._name}")
        if self._ct is None:
            raise RuntimeError("cannot join thread before it is started")
        if self._ct is c.current:
            raise RuntimeError("cannot join current thread")
        reason = f"waits for {self._name} to finish (join)"
        c.block(f"join {self._name}", reason, self._finished, timeout is not None)

    def _finished(self) -> bool:
        return self._ct.status == "done"

    def is_alive(self) -> bool:
        return self._ct is not None and self._ct.status != "done"

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = value
        if self._ct is not None:
            self._ct.name = value

    @property
    def daemon(self) -> bool:
        return self._daemon

    @daemon.setter
    def daemon(self, value: bool) -> None:
        self._daemon = bool(value)

    @property
    def ident(self) -> int | None:
        return None if self._ct is None else self._ct.tid + 1

    native_id = ident

    def getName(self) -> str:
        return self._name

    def setName(self, value: str) -> None:
        self.name = value

    def isDaemon(self) -> bool:
        return self._daemon

    def setDaemon(self, value: bool) -> None:
        self._daemon = bool(value)


def start_main(controller: Controller, body: Callable[[], Any]) -> None:
    """Start the program's main thread, with a Thread stand-in named MainThread for it."""
    main = Thread(name="MainThread")
    main._ct = controller.start(body, main)


def sleep(seconds: float = 0) -> None:
    """A yield: another thread may run here; time itself is not waited for."""
    ctl().point("sleep")


def monotonic() -> float:
    """queue's clock (``Queue.get(timeout=…)`` measures what is left): the controller's
    virtual time, so the same schedule meets the same time-outs (real time made replays
    diverge)."""
    return ctl().clock


def current_thread() -> Any:
    return ctl().current.user


def main_thread() -> Any:
    return ctl().threads[0].user


def enumerate_threads() -> list[Any]:
    return [t.user for t in ctl().threads if t.status != "done"]


def active_count() -> int:
    return len(enumerate_threads())


def _refused(what: str) -> Callable[..., Any]:
    """A stand-in for something not controlled (a real thread or process would run beside
    the controlled ones): the target is refused, not reported as failing."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        ctl().refuse(f"{what} is not controlled by the explorer")

    return refuse


Timer = _refused("threading.Timer")


class SimpleQueue(queue.Queue):
    """queue.SimpleQueue (C, would block for real) as an unbounded controlled Queue."""


SWAPS: list[tuple[Any, str, Any]] = [
    (threading, "Lock", Lock),
    (threading, "RLock", RLock),
    (threading, "Condition", Condition),
    (threading, "Semaphore", Semaphore),
    (threading, "BoundedSemaphore", BoundedSemaphore),
    (threading, "Event", Event),
    (threading, "Barrier", Barrier),
    (threading, "Thread", Thread),
    (threading, "Timer", Timer),
    (threading, "current_thread", current_thread),
    (threading, "currentThread", current_thread),
    (threading, "main_thread", main_thread),
    (threading, "enumerate", enumerate_threads),
    (threading, "active_count", active_count),
    (queue, "SimpleQueue", SimpleQueue),
    (queue, "time", monotonic),
    (time, "sleep", sleep),
    # imported above, before any stand-in exists: their module-level locks stay real
    (concurrent.futures, "ThreadPoolExecutor", _refused("concurrent.futures.ThreadPoolExecutor")),
    (concurrent.futures, "ProcessPoolExecutor", _refused("concurrent.futures.ProcessPoolExecutor")),
    # every Process, Pool and Manager of every start method starts its processes here
    (multiprocessing.process.BaseProcess, "start", _refused("a multiprocessing process")),
    # every multiprocessing Lock, Semaphore, Event, Condition, Queue and Value is built on one
    (multiprocessing.synchronize.SemLock, "__init__", _refused("a multiprocessing lock")),
]


@contextlib.contextmanager
def installed(controller: Controller) -> Iterator[None]:
    """The stand-ins in place for one execution, the originals back afterwards."""
    global _CTL
    import asyncio

    from workbench.explore.aio_loop import ControlledPolicy

    saved = [(mod, name, getattr(mod, name)) for mod, name, _ in SWAPS]
    policy = asyncio.get_event_loop_policy()
    rng = random.getstate()
    random.seed(0)  # the program's random choices are the same in every execution
    _CTL = controller
    for mod, name, standin in SWAPS:
        setattr(mod, name, standin)
    asyncio.set_event_loop_policy(ControlledPolicy(controller))
    try:
        yield
    finally:
        for mod, name, original in saved:
            setattr(mod, name, original)
        asyncio.set_event_loop_policy(policy)
        random.setstate(rng)
        _CTL = None


def owners(objects: dict[str, Any]) -> dict[str, str | None]:
    """Lock name -> the thread that holds it (None when free), for the step view."""
    return {name: obj.owner_name() for name, obj in objects.items() if isinstance(obj, Lock)}
