"""The run host: the child process in which a recipe actually runs.

The controller starts ``python -m workbench.host`` in a new process group with the channel's
address and key in its environment. The host connects back, receives its :class:`RunSpec`,
runs the recipe ``repeat`` times and reports progress, partial results, each repeat and errors
through a batching sender thread. Whatever the recipe does — deadlock, infinite loop, segfault —
happens here, never in the controller; the controller ends this whole process group when it
has to. If the controller disappears, the host ends its own group too, so nothing is orphaned.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

from kernels.recipe import Context
from workbench import mpi_host
from workbench.channel import ADDRESS_ENV, AUTHKEY_ENV, BATCH_INTERVAL_S, Msg, connect
from workbench.events import EventBuffer, Strings

HEARTBEAT_S = 0.5


class Sender:
    """Ships messages in batches every few tens of milliseconds; progress is coalesced."""

    def __init__(self, conn: Any, events: EventBuffer) -> None:
        self.conn = conn
        self.events = events
        self._queue: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._progress: tuple[str, Any] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="workbench-sender", daemon=True)
        self._thread.start()

    def put(self, kind: Msg, payload: Any) -> None:
        if kind is Msg.PROGRESS:
            self._progress = (kind, payload)
        else:
            self._queue.put((kind, payload))

    def _batch(self) -> list[tuple[str, Any]]:
        batch = []
        while True:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if self._progress:
            batch.insert(0, self._progress)
            self._progress = None
        records = self.events.take()
        if len(records) or self.events.dropped:
            strings = self.events.strings.take_new()
            batch.insert(
                0,
                (
                    Msg.EVENTS,
                    {
                        "strings": strings,
                        "records": records.tobytes(),
                        "dropped": self.events.dropped,
                    },
                ),
            )
        return batch

    def _loop(self) -> None:
        last_sent = time.monotonic()
        while not self._stop.wait(BATCH_INTERVAL_S):
            batch = self._batch()
            if batch or time.monotonic() - last_sent > HEARTBEAT_S:
                self._send(batch)
                last_sent = time.monotonic()

    def _send(self, batch: list[tuple[str, Any]]) -> None:
        try:
            self.conn.send(batch)
        except (OSError, ValueError):
            _end_own_group()  # the controller is gone: leave nothing behind

    def close(self) -> None:
        """Flush everything, then stop the sender thread."""
        self._stop.set()
        self._thread.join()
        self._send(self._batch())


class HostContext(Context):
    """The recipe's context in the host: reports go to the controller instead of the console."""

    def __init__(self, sender: Sender, events: EventBuffer) -> None:
        super().__init__(quiet=True)
        self.sender = sender
        self.events = events
        self.stop_requested = threading.Event()

    def progress(self, done: float, total: float | None = None) -> None:
        self.sender.put(Msg.PROGRESS, {"done": done, "total": total})

    def partial(self, **values: Any) -> None:
        super().partial(**values)
        self.sender.put(Msg.PARTIAL, dict(values))

    def should_stop(self) -> bool:
        return self.stop_requested.is_set()

    @contextlib.contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        self.events.add("phase.begin", phase)
        try:
            with super().timed(phase):
                yield
        finally:
            self.events.add("phase.end", phase)


def _end_own_group() -> None:
    with contextlib.suppress(OSError):
        os.killpg(os.getpgrp(), signal.SIGKILL)
    os._exit(3)


QUEUE_LANE = 1 << 40  # lane ids for device queues: far from any thread ident


def device_commands(events: EventBuffer, result: Any) -> None:
    """An OpenCL recipe's profiled commands (``result["commands"]`` with host times) as events
    on one lane per queue, so they land on the same timeline as the host's threads."""
    commands = result.get("commands") if isinstance(result, dict) else None
    if not commands or "host_start_ns" not in commands[0]:
        return
    ids = events.strings.id
    lanes: dict[str, int] = {}
    for c in commands:
        if c["queue"] not in lanes:  # name the lane, as a thread's begin names a thread's
            lanes[c["queue"]] = QUEUE_LANE + len(lanes)
            events.append_at(
                c["host_start_ns"] - 1,
                lanes[c["queue"]],
                ids("thread.begin"),
                ids(f"OpenCL queue {c['queue']}"),
                0,
            )
        kind = "cl.kernel" if c["name"].startswith("kernel") else "cl.copy"
        lane = lanes[c["queue"]]
        events.append_at(c["host_start_ns"], lane, ids(kind), ids(c["name"]), 0)
        events.append_at(c["host_end_ns"], lane, ids("cl.end"), ids(c["name"]), 0)


def run_repeats(spec: dict[str, Any], ctx: HostContext, rank: int | None = None) -> None:
    """Run the recipe ``repeat`` times, reporting each repeat's time, phases and result.
    In an MPI job (``rank`` given) every rank runs it and rank 0 alone reports."""
    function = getattr(importlib.import_module(spec["module"]), spec["function"])
    params = spec["params"]
    sync = mpi_host.barrier if rank is not None else _nothing
    for index in range(spec["repeat"]):
        ctx.phases = {}
        ctx.events.add("repeat.begin", spec["id"], index)
        sync()
        start = time.perf_counter_ns()
        result = function(ctx, **params)
        sync()
        wall = time.perf_counter_ns() - start
        ctx.events.add("repeat.end", spec["id"], index)
        device_commands(ctx.events, result)
        if rank:
            continue
        ctx.sender.put(
            Msg.REPEAT,
            {"index": index, "wall_ns": wall, "phases": dict(ctx.phases), "result": result},
        )


def _nothing() -> None:
    pass


def start_tracing(events: EventBuffer, sender: Sender, mode: str) -> Any:
    """Swap in the traced primitives and start the deadlock watchdog (before the swap, so the
    watchdog's own thread is not traced); in "full" mode also trace shared-state accesses.
    Returns what ``stop_tracing`` needs."""
    from workbench import aio, child_trace, instrument, manager_trace, mp_shared
    from workbench.shared import SharedStateTracer
    from workbench.tracer import Tracer

    tracer = Tracer(events)
    child_trace.watch(tracer, sender)  # the deadlock watchdog and the wait reporter
    instrument.install(tracer)
    child_trace.follow_forks()
    if mode == "full":
        manager_trace.FULL = True
        mp_shared.install(tracer)
    aio.install(tracer)
    shared = SharedStateTracer(tracer) if mode == "full" else None
    if shared:
        shared.install()
    return shared


def stop_tracing(shared: Any) -> None:
    from workbench import aio, instrument, mp_shared

    aio.uninstall()
    mp_shared.uninstall()
    if shared:
        shared.uninstall()
    instrument.uninstall()


def _run_mp_finalizers() -> None:
    """What ``python script.py`` does at exit for multiprocessing (unlink its semaphores, stop
    its Managers), which ``os._exit`` would skip: else the resource tracker warns of leaked
    semaphores. Children are not joined: the controller ends what is left."""
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        try:
            util._run_finalizers(0)
        except Exception as exc:  # a finalizer's failure is no reason to lose the run's result
            print(f"workbench: multiprocessing cleanup failed: {exc!r}", file=sys.stderr)


def main() -> int:
    authkey = bytes.fromhex(os.environ.pop(AUTHKEY_ENV))
    conn = connect(os.environ[ADDRESS_ENV], authkey)
    mpi = mpi_host.init() if mpi_host.active() else {}  # an MPI rank: MPI starts here
    events = EventBuffer(Strings())
    sender = Sender(conn, events)
    sender.put(Msg.HELLO, {"pid": os.getpid(), "host": os.uname().nodename} | mpi)
    spec = conn.recv()
    ctx = HostContext(sender, events)
    shared = None
    if spec.get("trace"):
        from workbench.child_trace import child_env

        os.environ.update(child_env(os.environ[ADDRESS_ENV], authkey, spec["trace_mode"]))
        if mpi:
            mpi_host.install_tracing(events, sender.put)
        shared = start_tracing(events, sender, spec["trace_mode"])
    code, host_pid = 0, os.getpid()
    try:
        run_repeats(spec, ctx, mpi.get("rank"))
    except BaseException as exc:  # the recipe's failure is data for the user, not a host crash
        code = 1
        if os.getpid() == host_pid:
            where = f"rank {mpi['rank']}: " if mpi else ""
            sender.put(
                Msg.ERROR,
                {
                    "type": type(exc).__name__,
                    "message": where + str(exc),
                    "traceback": traceback.format_exc(),
                },
            )
    if os.getpid() != host_pid:  # a child of a bare os.fork() in the script came back here:
        from workbench import child_trace  # the host's connection is the parent's, not its own

        child_trace.flush()
        return code
    if spec.get("trace"):
        stop_tracing(shared)
    _run_mp_finalizers()
    if code and mpi:  # the other ranks may wait for this one forever: end the job
        sender.close()
        mpi_host.abort(code)
    if mpi:
        mpi_host.report_finished()
    sender.put(Msg.DONE, {})
    sender.close()
    sys.stdout.flush()
    sys.stderr.flush()
    if mpi:
        mpi_host.finish(bool(spec.get("trace")))
    return code


if __name__ == "__main__":
    # os._exit skips waiting for threads a recipe left running (the book's never-ending
    # consumers): the controller decides when the run is over, not the interpreter's shutdown.
    os._exit(main())
