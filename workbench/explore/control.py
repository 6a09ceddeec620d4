"""One real thread runs at a time, and the explorer decides every switch.

Each controlled thread is a real OS thread that holds a *baton* (a raw ``_thread`` lock) only
while it runs. At every scheduling point (a synchronisation operation, or a line or bytecode when
traced) the running thread asks the chooser which enabled thread goes next and hands the baton
over. A thread that would block never blocks for real: it is marked blocked with a reason and a
predicate that says when it may run again. When no thread can run and some are not finished, that
is a deadlock. Only ``_thread`` is used here, because ``threading`` itself is swapped for
stand-ins while a target runs.
"""

from __future__ import annotations

import _thread
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.explore import names

PAUSE = -1  # a chooser's answer that parks the execution for the driver (the step view)
MAX_STEPS = 20_000  # points per execution before it counts as running forever
TIME_JUMP_S = 3600.0  # how far the virtual clock moves when every timed wait runs out


class Abort(BaseException):
    """Unwinds a thread of an execution that ended (failure found, limit, or abandoned)."""


class Unsupported(ValueError):
    """The program uses something the explorer cannot control (a pool, a process, a Timer):
    the target is refused as bad input, never reported as a failure of the program."""


@dataclass
class Failure:
    """What went wrong: ``kind`` is assertion, exception, invariant, critical or deadlock."""

    kind: str
    message: str
    thread: str = ""
    location: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "message": self.message,
            "thread": self.thread,
            "location": self.location,
        }


@dataclass
class Point:
    """A scheduling point: who just ran and who may run next."""

    index: int
    current: int
    enabled: tuple[int, ...]
    yielded: bool = False  # the current thread offered to let others run (time.sleep)


@dataclass
class CThread:
    """The controller's record of one controlled thread."""

    tid: int
    name: str
    body: Callable[[], Any]
    status: str = "new"  # new, ready, blocked, done
    reason: str = ""
    wake: Callable[[], bool] | None = None
    timed: bool = False
    timed_out: bool = False
    op: str = "start"
    frame: Any = None
    user: Any = None  # the Thread stand-in the program sees
    daemon: bool = False
    ident: int = 0  # the OS thread's, once it runs
    baton: Any = field(default_factory=_thread.allocate_lock)
    exited: Any = field(default_factory=_thread.allocate_lock)

    def where_now(self) -> dict[str, Any]:
        """Status, reason, next operation and place, as they are now (frames move on)."""
        f = self.frame
        return {
            "status": self.status,
            "reason": self.reason,
            "op": self.op,
            "code": f.f_code if f is not None else None,
            "line": f.f_lineno if f is not None else None,
            "lasti": f.f_lasti if f is not None else -1,
        }

    def can_run(self) -> bool:
        if self.status in ("new", "ready"):
            return True
        return self.status == "blocked" and self.wake is not None and self.wake()


class Controller:
    """Runs one execution of a target under a chooser; see the module docstring."""

    def __init__(
        self,
        chooser: Callable[[Point], int],
        granularity: str = "sync",
        files: frozenset[str] = frozenset(),
        invariant: Callable[[], Any] | None = None,
        max_steps: int = MAX_STEPS,
    ) -> None:
        self.chooser = chooser
        self.granularity = granularity
        self.files = files
        self.invariant = invariant
        self.max_steps = max_steps
        self.threads: list[CThread] = []
        self.unnamed = 0  # Thread objects made without a name: Thread-1, Thread-2, …
        self.current: CThread | None = None
        self.choices: list[int] = []
        self.trail: list[tuple[int, str]] = []  # (thread, op) per point: the digest's input
        self.failure: Failure | None = None
        self.limit_hit = False
        self.schedule_error = ""
        self.at_failure: dict[int, dict[str, Any]] = {}  # frames unwind after: for the step view
        self.aborting = False
        self.busy = False  # inside our own bookkeeping: trace events are ignored
        self.paused = False
        self.resume_choice = 0
        self.driver = _thread.allocate_lock()
        self.driver.acquire()
        self.objects = 0
        self.last_task = -1
        self.globals: dict[str, Any] = {}
        self.unsupported = ""  # set by refuse(): the execution says nothing about the program
        self.clock = 0.0  # virtual seconds: jumps when the timed waits run out (see _switch)

    # --- threads -------------------------------------------------------------------------
    def spawn(self, name: str, body: Callable[[], Any], user: Any = None) -> CThread:
        """A new controlled thread, ready but not running until it is chosen."""
        t = CThread(len(self.threads), name, body, user=user)
        t.baton.acquire()
        t.exited.acquire()
        self.threads.append(t)
        _thread.start_new_thread(self._bootstrap, (t,))
        return t

    def _bootstrap(self, t: CThread) -> None:
        t.baton.acquire()
        t.ident = _thread.get_ident()
        try:
            if self.aborting:
                return
            t.status = "ready"
            self._trace_on()
            t.body()
        except Abort:
            pass
        except BaseException as exc:
            self.fail(failure_of(exc, t.name, self.files))
        finally:
            sys.settrace(None)
            t.status = "done"
            t.op = "finished"
            if not self.aborting:
                try:
                    self._switch(t)
                except Abort:
                    pass
            t.exited.release()

    def start(self, main: Callable[[], Any], user: Any = None) -> CThread:
        """Start the program's main thread and give it the baton."""
        t = self.spawn("MainThread", main, user)
        self.current = t
        t.baton.release()
        return t

    # --- scheduling points ---------------------------------------------------------------
    def point(self, op: str, frame: Any = None) -> None:
        """A place where another thread may run: called before every operation we control."""
        t = self.current
        if t is None or self.busy or t.ident != _thread.get_ident():
            return  # our own bookkeeping, or a thread we do not control: no switch here
        if self.aborting:
            raise Abort
        t.op = op
        t.frame = frame if frame is not None else user_frame(self.files)
        if self.invariant is not None:
            self._check_invariant(t)
        self._switch(t)

    def block(self, op: str, reason: str, wake: Callable[[], bool], timed: bool = False) -> bool:
        """Wait, modelled: the current thread runs again only once ``wake()`` is true.

        Returns False when a timed wait ran out (virtual time passes only when nothing else can
        run), True otherwise.
        """
        t = self.current
        assert t is not None
        if self.aborting:
            raise Abort
        if wake():
            return True
        if t.ident != _thread.get_ident():
            raise RuntimeError("a thread the explorer does not control would wait here")
        t.status, t.reason, t.wake, t.timed, t.timed_out = "blocked", reason, wake, timed, False
        t.op = op
        self._switch(t)
        t.status, t.reason, t.wake = "ready", "", None
        return not t.timed_out

    def _switch(self, t: CThread) -> None:
        if t.status == "done" and self._over():
            self._finish()
            return
        if len(self.choices) >= self.max_steps:
            self.limit_hit = True
            self._finish()
            raise Abort
        enabled = tuple(x.tid for x in self.threads if x.can_run())
        if not enabled:
            timed = [x for x in self.threads if x.status == "blocked" and x.timed]
            if timed:  # virtual time: the timed waits run out
                self.clock += TIME_JUMP_S  # past every deadline: code that measures agrees
                for x in timed:
                    x.timed_out, x.wake = True, _always
                enabled = tuple(x.tid for x in timed)
            elif all(x.status == "done" for x in self.threads):
                self._finish()
                return
            else:
                self.fail(Failure("deadlock", self.deadlock_message(), t.name, self.where(t)))
                raise Abort
        point = Point(len(self.choices), t.tid, enabled, t.op == "sleep")
        choice = self.chooser(point)
        if choice == PAUSE:
            choice = self._pause(t)
        if choice not in enabled:
            self.schedule_error = f"step {point.index}: thread {choice} cannot run there"
            self._finish()
            raise Abort
        self.choices.append(choice)
        self.trail.append((choice, self.threads[choice].op))
        nxt = self.threads[choice]
        if nxt is t:
            return
        self.current = nxt
        nxt.baton.release()
        if t.status == "done":
            return
        t.baton.acquire()
        if self.aborting:
            raise Abort

    def choose_task(self, ids: tuple[int, ...], label: Callable[[int], str]) -> int:
        """A choice among ready asyncio callbacks (see :mod:`workbench.explore.aio_loop`).

        Tasks switch only at awaits, so every such choice is a yield: the default is the next
        task in turn, and the step view takes that default rather than pausing.
        """
        t = self.current
        if self.aborting or t is None:
            raise Abort
        if self.invariant is not None:
            self._check_invariant(t)
        if len(self.choices) >= self.max_steps:
            self.limit_hit = True
            self._finish()
            raise Abort
        point = Point(len(self.choices), self.last_task, ids, True)
        choice = self.chooser(point)
        if choice == PAUSE:
            later = [i for i in ids if i > self.last_task]
            choice = later[0] if later else ids[0]
        if choice not in ids:
            self.schedule_error = f"step {point.index}: task {choice} is not ready there"
            self._finish()
            raise Abort
        self.choices.append(choice)
        self.trail.append((choice, "task"))
        self.last_task = choice
        return choice

    def _over(self) -> bool:
        """The program ends when its main thread and every non-daemon thread are done."""
        return all(x.status == "done" or (x.daemon and x.tid) for x in self.threads)

    def _pause(self, t: CThread) -> int:
        self.paused = True
        self.driver.release()
        t.baton.acquire()  # the driver hands it back with resume()
        self.paused = False
        if self.aborting:
            raise Abort
        return self.resume_choice

    def resume(self, choice: int) -> None:
        """Driver side: continue a paused execution with this choice."""
        self.resume_choice = choice
        assert self.current is not None
        self.current.baton.release()

    def _check_invariant(self, t: CThread) -> None:
        self.busy = True
        try:
            ok = self.invariant()
        except AssertionError as exc:
            ok, text = False, str(exc)
        else:
            text = (getattr(self.invariant, "__doc__", None) or "invariant() is false").strip()
        finally:
            self.busy = False
        if not ok:
            self.fail(Failure("invariant", text.splitlines()[0], t.name, self.where(t)))
            raise Abort

    # --- the end ----------------------------------------------------------------------------
    def refuse(self, what: str) -> None:
        """The running thread reached something not controlled: end the execution (an Abort,
        which the program cannot catch as an Exception) and let the driver refuse the target."""
        if not self.unsupported:
            frame = user_frame(self.files)
            where = f"{frame.f_code.co_filename}:{frame.f_lineno}: " if frame is not None else ""
            self.unsupported = f"{where}{what}"
        self._finish()
        raise Abort

    def fail(self, failure: Failure) -> None:
        if self.failure is None and not self.aborting:
            if not failure.thread and self.current is not None:
                failure.thread = self.current.name
            failure.message = self.pretty(failure.message)
            self.failure = failure
            self.at_failure = {t.tid: t.where_now() for t in self.threads}
        self._finish()

    def pretty(self, text: str) -> str:
        """``Lock#3`` -> the program's name for it (see :mod:`workbench.explore.names`)."""
        if "#" not in text:
            return text
        frames = [t.frame for t in self.threads if t.status != "done"]
        if self.current is not None and self.current.status != "done":
            frames.append(user_frame(self.files))
        scopes = [self.globals, *names.frame_scopes(frames, self.files)]
        return names.pretty(text, names.object_names(scopes))

    def _finish(self) -> None:
        if not self.aborting:
            self.aborting = True
            self.driver.release()

    def wait(self, timeout: float = 10.0) -> bool:
        """Driver side: until the execution ends or pauses; False if it stopped moving."""
        return self.driver.acquire(True, timeout)

    def abandon(self, timeout: float = 2.0) -> bool:
        """Driver side: unwind every thread; True when all of them are gone."""
        self.aborting = True
        ok = True
        for t in self.threads:
            if t.status != "done":
                try:
                    t.baton.release()  # a waiting thread wakes and unwinds with Abort
                except RuntimeError:
                    pass  # it was between two hands: it sees ``aborting`` on its own
            if not t.exited.acquire(True, timeout):
                ok = False
        return ok

    def deadlock_message(self) -> str:
        blocked = [f"{x.name} {x.reason}" for x in self.threads if x.status == "blocked"]
        return "deadlock: " + "; ".join(blocked)

    def where(self, t: CThread) -> str:
        frame = t.frame or user_frame(self.files)
        return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else ""

    def new_object(self) -> int:
        self.objects += 1
        return self.objects

    # --- tracing (line and opcode granularity) ------------------------------------------------
    def _trace_on(self) -> None:
        if self.granularity != "sync":
            sys.settrace(self._global_trace)

    def _global_trace(self, frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename not in self.files:
            return None
        if self.granularity == "opcode":
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
        return self._local_trace

    def _local_trace(self, frame: Any, event: str, arg: Any) -> Any:
        if event == "opcode":
            self.point(f"{frame.f_lineno}:{frame.f_lasti}", frame)
        elif event == "line":
            self.point(f"line {frame.f_lineno}", frame)
        return self._local_trace


class ScheduleError(Exception):
    """A schedule asked for a thread that cannot run there: it does not fit this program."""


def _always() -> bool:
    return True


def user_frame(files: frozenset[str]) -> Any:
    """The innermost frame of the program's own code in the calling thread."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename not in files:
        frame = frame.f_back
    return frame


def failure_of(exc: BaseException, thread: str, files: frozenset[str]) -> Failure:
    """An exception raised by the program, as a finding with its place in the program."""
    tb, where = exc.__traceback__, ""
    while tb is not None:
        if tb.tb_frame.f_code.co_filename in files:
            where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    name = type(exc).__name__
    if name == "CriticalSectionError":
        kind = "critical"
    elif isinstance(exc, AssertionError):
        kind = "assertion"
    else:
        kind = "exception"
    text = str(exc) or name
    return Failure(kind, f"{name}: {text}" if kind == "exception" else text, thread, where)
