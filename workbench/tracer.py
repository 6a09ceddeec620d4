"""The recording side of tracing: event kinds, user-code locations and who waits on what.

The instrumented primitives (:mod:`workbench.instrument`) call into one :class:`Tracer`, which
appends compact records to the run host's :class:`~workbench.events.EventBuffer` and keeps, per
thread, the stack of waits it is blocked in. The deadlock watchdog reads that table; the
analyses read the records.

A location is the first frame outside the standard library and the workbench: the line of the
user's program (or recipe) that took the lock, not the line inside ``threading.py``.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from workbench.events import EventBuffer


class Kind(StrEnum):
    """Event kinds. ``*.wait`` begins a blocking wait that ``*.woke`` ends (arg 1 = got it)."""

    THREAD_START = "thread.start"  # in the parent: obj = child name, arg = child serial
    THREAD_BEGIN = "thread.begin"  # in the child, first thing; obj = its name, arg = serial
    THREAD_END = "thread.end"  # arg = serial
    JOIN_WAIT = "join.wait"  # obj = the joined thread's name
    JOIN_WOKE = "join.woke"  # arg = its serial once it ended (-1 if it has none), else 0
    LOCK_NEW = "lock.new"
    LOCK_ACQUIRED = "lock.acquired"  # arg = 1 when it had to wait
    LOCK_WAIT = "lock.wait"
    LOCK_WOKE = "lock.woke"
    LOCK_RELEASED = "lock.released"
    LOCK_TRY_FAILED = "lock.try_failed"
    COND_WAIT = "cond.wait"
    COND_WOKE = "cond.woke"  # arg = 1 when notified, 0 on timeout
    COND_NOTIFY = "cond.notify"  # arg = how many
    EVENT_SET = "event.set"
    EVENT_CLEAR = "event.clear"
    EVENT_WAIT = "event.wait"
    EVENT_WOKE = "event.woke"
    SEM_WAIT = "sem.wait"
    SEM_WOKE = "sem.woke"
    SEM_ACQUIRED = "sem.acquired"
    SEM_RELEASED = "sem.released"
    BARRIER_WAIT = "barrier.wait"
    BARRIER_WOKE = "barrier.woke"  # arg = 1 passed, 0 broken
    QUEUE_PUT = "queue.put"
    QUEUE_GOT = "queue.got"
    QUEUE_PUT_WAIT = "queue.put_wait"
    QUEUE_GET_WAIT = "queue.get_wait"
    QUEUE_WOKE = "queue.woke"
    QUEUE_DONE = "queue.task_done"
    QUEUE_JOIN_WAIT = "queue.join_wait"
    QUEUE_JOIN_WOKE = "queue.join_woke"
    SLEEP = "sleep"
    SLEEP_END = "sleep.end"
    MISUSE = "misuse"  # obj = the primitive; the message is interned in arg
    PROCESS_START = "process.start"  # obj = the process's name, arg = its pid
    PROCESS_JOIN = "process.join"  # waiting for a child process to end
    PROCESS_JOINED = "process.joined"  # arg = its exit code (or -1000 when still running)
    CL_KERNEL = "cl.kernel"  # an OpenCL command on a device queue's lane: a kernel …
    CL_COPY = "cl.copy"  # … or a transfer; obj = its name
    CL_END = "cl.end"
    AIO_WAIT = "aio.wait"  # an asyncio task between two steps; obj = what it awaits
    AIO_WOKE = "aio.woke"
    LOOP_BLOCKED = "loop.blocked"  # obj = the callback or task, arg = ns, loc = where it was
    LOOP_IDLE = "loop.idle"  # never recorded: the watchdog's name for a loop nothing can wake
    PIPE_SEND = "pipe.send"  # obj = the direction ("Pipe#1 @ f.py:3 a→b"), arg = sequence no.
    PIPE_RECV = "pipe.recv"  # the message with the same direction and sequence number
    PIPE_WAIT = "pipe.wait"  # a recv on an empty pipe (or a send on a full one) …
    PIPE_WOKE = "pipe.woke"  # … ended
    PROCESS_NAME = "process.name"  # first thing a multiprocessing child runs; obj = its name
    MEM_READ = "mem.read"  # obj = "global mod.name", "attr Class@id.name", "item dict@id[key]"
    MEM_WRITE = "mem.write"


WAIT_KINDS = {
    Kind.LOCK_WAIT: "lock",
    Kind.COND_WAIT: "condition",
    Kind.EVENT_WAIT: "event",
    Kind.SEM_WAIT: "semaphore",
    Kind.BARRIER_WAIT: "barrier",
    Kind.QUEUE_GET_WAIT: "queue get",
    Kind.QUEUE_PUT_WAIT: "queue put",
    Kind.QUEUE_JOIN_WAIT: "queue join",
    Kind.JOIN_WAIT: "join",
    Kind.PROCESS_JOIN: "process join",
    Kind.PIPE_WAIT: "pipe",
    Kind.SLEEP: "sleep",
    Kind.LOOP_IDLE: "idle event loop",
}
_NOT_PROGRESS = frozenset(
    {
        Kind.LOCK_TRY_FAILED,
        Kind.MISUSE,
        Kind.MEM_READ,
        Kind.MEM_WRITE,
        Kind.LOOP_BLOCKED,
        Kind.AIO_WAIT,
        Kind.AIO_WOKE,
    }
)
INTERNAL_THREAD_PREFIX = "workbench-"
_getframe = sys._getframe
_now = time.perf_counter_ns
_STDLIB = os.path.normcase(sysconfig.get_paths()["stdlib"])
_OURS = os.path.normcase(os.path.dirname(os.path.abspath(__file__)))


@dataclass
class Wait:
    """What a thread is blocked in right now."""

    kind: Kind
    obj: str
    since_ns: int
    timed: float | None  # the timeout in seconds; None: untimed
    loc: str
    owner: Any = None  # the lock object (for its holder), or the joined thread's ident
    external: bool = False  # another process can end it: never stuck from this one's view


def _idle(kind: Kind, arg: int) -> bool:
    """A timed wait that ran out without getting anything (a process join: still running)."""
    if kind is Kind.PROCESS_JOINED:
        return arg == -1000
    return arg == 0 or kind is Kind.SLEEP_END


def _internal(filename: str) -> bool:
    if filename.startswith("<"):  # generated code (dataclass __init__, exec of a string)
        return True
    name = os.path.normcase(filename)
    return (name.startswith(_STDLIB) and "site-packages" not in name) or name.startswith(_OURS)


class Tracer:
    """Records events for one process; every instrumented primitive shares it."""

    def __init__(self, buffer: EventBuffer, tag: str = "") -> None:
        """``tag`` ends every primitive's name: child processes add their pid, so two
        processes' ``Lock#1`` are never taken for one lock."""
        self.buffer = buffer
        self.tag = tag
        self.strings = buffer.strings
        self.kind_ids = {k: self.strings.id(k) for k in Kind}
        self.waits: dict[int, list[Wait]] = {}
        self.idents: dict[int, str] = {}  # live traced thread ident -> name
        self.names: dict[str, int] = {}
        # Keyed by (id(code), instruction offset): hashing a code object hashes its body, and
        # f_lineno is computed from the line table on every read. Each value holds its code
        # object, so an id in a key cannot be reused by another code object.
        self._locs: dict[tuple[int, int], tuple[int, str, Any]] = {}  # user-code lines
        self._fallback: dict[tuple[int, int], tuple[int, str, Any]] = {}
        self._counter = 0
        self._count_lock = threading.Lock()
        self.inside: dict[int, int] = {}  # thread ident -> depth inside traced primitives
        self._internal_code: dict[int, tuple[bool, Any]] = {}  # id(code) -> (internal, code)
        self._rows = buffer._rows
        self._capacity = buffer.capacity
        self._pid = buffer.pid
        # Progress, for the watchdog: any operation that did something, or a wait that ended
        # because it was satisfied. A timed wait that ran out (a thread polling a join, an
        # event or a sleep loop) is not progress: a program that only polls is stuck too.
        self.progress_epoch = 0
        self.idle_waits: dict[int, int] = {}
        self.thread_began(threading.current_thread().name)  # the lane of the main thread

    # -- identity and location ---------------------------------------------------------------
    def new_name(self, what: str) -> str:
        """A unique display name for a new primitive: ``Lock#3 @ file.py:12``."""
        with self._count_lock:
            self._counter += 1
            n = self._counter
        _, loc = self.where()
        short = loc.rsplit("/", 1)[-1] if loc else "?"
        return f"{what}#{n} @ {short}{self.tag}"

    def where(self, depth: int = 2) -> tuple[int, str]:
        """Interned id and text of the user-code location that called into a primitive.

        Whether a code object is internal is decided once per code object, so the walk costs
        a dict lookup per frame."""
        frame = sys._getframe(depth)
        first = frame
        internal = self._internal_code
        while frame is not None:
            code = frame.f_code
            entry = internal.get(id(code))
            if entry is None:  # the entry holds the code object, so its id is never reused
                entry = internal[id(code)] = (_internal(code.co_filename), code)
            if not entry[0]:
                break
            frame = frame.f_back
        # _locs holds user-code lines only, so record() may trust a hit without asking whether
        # the frame is internal; a stack with no user frame at all is named by its first one.
        cache = self._locs if frame is not None else self._fallback
        frame = frame or first
        if frame is None:
            return 0, ""
        key = (id(frame.f_code), frame.f_lasti)
        found = cache.get(key)
        if found is None:
            text = f"{frame.f_code.co_filename}:{frame.f_lineno}"
            found = cache[key] = (self.strings.id(text), text, frame.f_code)
        return found[0], found[1]

    def user_location(self, frame: Any) -> str:
        """``file:line`` of the innermost user-code frame from ``frame`` outwards."""
        first = frame
        while frame is not None and _internal(frame.f_code.co_filename):
            frame = frame.f_back
        frame = frame or first
        return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else ""

    # -- recording ---------------------------------------------------------------------------
    def record(self, kind: int, obj: int, arg: int, tid: int) -> None:
        """The hot path: one event with the caller's caller's location; counts as progress.
        A caller in user code whose line was seen before costs one dict lookup. (A thread's
        count of idle polls is not reset here: any event moves ``progress_epoch``, and both
        watchdogs wait for it to stand still before they call anything stuck.)"""
        rows = self._rows
        if len(rows) >= self._capacity and not self.buffer.wait_for_room():
            self.buffer.dropped += 1
        else:
            frame = _getframe(2)
            found = self._locs.get((id(frame.f_code), frame.f_lasti))
            loc = found[0] if found else self.where(3)[0]
            rows.append((_now(), self._pid, tid, kind, obj, arg, loc))
        self.progress_epoch += 1

    def emit(self, kind: Kind, obj: str, arg: int = 0, loc: int = 0) -> None:
        self.buffer.append(self.kind_ids[kind], self.strings.id(obj), arg, loc)
        if kind not in _NOT_PROGRESS:
            self._progressed(threading.get_ident())

    def _progressed(self, tid: int) -> None:
        self.progress_epoch += 1
        self.idle_waits[tid] = 0

    def suppressed(self, tid: int | None = None) -> bool:
        """True inside another traced primitive (a Queue's own lock is not the user's)."""
        return (tid or threading.get_ident()) in self.inside

    def enter(self) -> None:
        tid = threading.get_ident()
        self.inside[tid] = self.inside.get(tid, 0) + 1

    def leave(self) -> None:
        tid = threading.get_ident()
        depth = self.inside[tid] - 1
        if depth:
            self.inside[tid] = depth
        else:
            del self.inside[tid]

    def wait_begin(
        self, kind: Kind, obj: str, timeout: float | None, owner: Any = None, external: bool = False
    ) -> int:
        """``timeout`` in seconds (None: untimed); ``owner``: the lock object (its holder is
        read when a deadlock is described) or the joined thread's ident; ``external``: a
        wait that another process can end, so it never makes this process look stuck."""
        loc_id, loc = self.where()
        tid = threading.get_ident()
        self.waits.setdefault(tid, []).append(
            Wait(kind, obj, time.perf_counter_ns(), timeout, loc, owner, external)
        )
        self.buffer.append(self.kind_ids[kind], self.strings.id(obj), 0, loc_id)
        return loc_id

    def wait_end(self, kind: Kind, obj: str, arg: int, loc_id: int) -> None:
        tid = threading.get_ident()
        stack = self.waits.get(tid)
        wait = stack.pop() if stack else None
        self.buffer.append(self.kind_ids[kind], self.strings.id(obj), arg, loc_id)
        if wait is not None and wait.timed is not None and _idle(kind, arg):
            self.idle_waits[tid] = self.idle_waits.get(tid, 0) + 1
        else:
            self._progressed(tid)

    def quiet_wait(self, kind: Kind, obj: str, timeout: float | None, owner: Any = None) -> Wait:
        """A wait another process can end, known to the watchdogs but not recorded as events
        (a send on a pipe, a call to a Manager: usually over in microseconds); ``quiet_end``
        pops it."""
        wait = Wait(kind, obj, _now(), timeout, "", owner, True)
        self.waits.setdefault(threading.get_ident(), []).append(wait)
        return wait

    def quiet_end(self, wait: Wait) -> None:
        stack = self.waits.get(threading.get_ident())
        if stack and stack[-1] is wait:
            stack.pop()

    def misuse(self, obj: str, message: str) -> None:
        loc_id, _ = self.where()
        self.emit(Kind.MISUSE, obj, self.strings.id(message), loc_id)

    # -- threads -----------------------------------------------------------------------------
    def thread_began(self, name: str, serial: int = 0) -> None:
        """``serial``: the thread's number in its process (names repeat, serials do not)."""
        tid = threading.get_ident()
        self.idents[tid] = name
        self.names[name] = tid
        self.emit(Kind.THREAD_BEGIN, name, serial)

    def thread_ended(self, name: str, serial: int = 0) -> None:
        tid = threading.get_ident()
        self.emit(Kind.THREAD_END, name, serial)
        self.idents.pop(tid, None)
        self.waits.pop(tid, None)
        self._progressed(tid)

    def blocked(self, polling_s: float = 1.0) -> dict[int, Wait] | None:
        """Each live thread's innermost wait, or None if any of them can still move.

        A thread in an untimed wait is stuck. A thread that polls a join — at least two timed
        joins of at most ``polling_s`` ran out with nothing else done since — is as stuck as
        the thread it joins. Any other timed wait (a sleep, an event or condition with a
        timeout) may end by itself and let the program go on, and so does a thread in code
        we do not trace (computing, a socket read, a C call, a thread started without
        ``threading``): each of those vetoes the verdict, so a deadlock is claimed only when
        every live party is provably stuck.
        """
        names = {t.ident: t.name for t in threading.enumerate()}
        stuck: dict[int, Wait] = {}
        for tid in sys._current_frames():  # every thread, also those threading never saw
            if names.get(tid, "").startswith(INTERNAL_THREAD_PREFIX):
                continue
            stack = self.waits.get(tid)
            wait = stack[-1] if stack else None
            if wait is None or wait.external:
                return None  # running, or waiting on another process, which may still act
            if wait.timed is not None and not (
                wait.kind is Kind.JOIN_WAIT
                and self.idle_waits.get(tid, 0) >= 2
                and wait.timed <= polling_s
            ):
                return None
            stuck[tid] = wait
        return stuck or None
