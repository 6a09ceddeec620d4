"""Tracing inside a child process of a traced run: spawned ones (see ``workbench/childhook``)
and forked ones (``os.register_at_fork``).

A child connects to the run's controller like the run host did, says hello as a child, and
gets its own sender, deadlock watchdog and wait reporter; its events travel over its own
connection and are merged on the controller (``perf_counter_ns`` is one clock for every process
on Linux). A forked child keeps the tracer it inherited — its primitives keep their names, so a
lock is one lock on both sides — after dropping what belonged to the parent: pending events, the
other threads' waits and held locks, the parent's connection. At exit (``atexit``, or the end of
multiprocessing's ``_bootstrap`` for a forked child that leaves with ``os._exit``) the last
batch is flushed.
"""

from __future__ import annotations

import _thread
import atexit
import json
import os
import sys
import threading
from typing import Any

from workbench.channel import Msg, connect

CHILD_ENV = "WORKBENCH_TRACE_CHILD"
SERVICES = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")
_session: dict[str, Any] = {}  # this process's sender, reporter, pid


def child_env(address: str, authkey: bytes, mode: str) -> dict[str, str]:
    """What a traced run host adds to its environment so that its children trace themselves."""
    hook = os.path.join(os.path.dirname(os.path.abspath(__file__)), "childhook")
    path = os.pathsep.join(p for p in (hook, os.environ.get("PYTHONPATH")) if p)
    value = json.dumps(
        {"address": address, "key": authkey.hex(), "mode": mode, "host": os.getpid()}
    )
    return {CHILD_ENV: value, "PYTHONPATH": path}


def _connect(events: Any) -> Any:
    from workbench.host import Sender

    info = json.loads(os.environ[CHILD_ENV])
    conn = connect(info["address"], bytes.fromhex(info["key"]))
    conn.recv()  # the run's spec: a child runs what its parent asked, not the recipe
    sender = Sender(conn, events)
    sender.put(
        Msg.HELLO,
        {"pid": os.getpid(), "host": os.uname().nodename, "child": True, "parent": os.getppid()},
    )
    return sender


def watch(tracer: Any, sender: Any) -> None:
    """Start this process's deadlock watchdog and wait reporter, and note them for exit."""
    from workbench.deadlock import Watchdog
    from workbench.wait_report import WaitReporter

    watchdog = Watchdog(tracer, lambda finding: sender.put(Msg.FINDING, _named(finding))).start()
    reporter = WaitReporter(tracer, lambda state: sender.put(Msg.WAITS, state)).start()
    for thread in (sender._thread, watchdog.thread, reporter.thread):
        tracer.inside[thread.ident] = 1  # ours: whatever they touch is never the program's
    _session.update(pid=os.getpid(), sender=sender, reporter=reporter, tracer=tracer)
    from workbench import instrument

    if flush not in instrument.at_process_exit:
        instrument.at_process_exit.append(flush)


def _named(finding: dict[str, Any]) -> dict[str, Any]:
    """A deadlock inside a child process names its threads as the timeline's lanes do:
    ``Thread-1 [ForkProcess-1, pid 812]``."""
    info = json.loads(os.environ.get(CHILD_ENV, "{}"))
    names = sorted(set(finding.get("threads", [])), key=len, reverse=True)
    if info.get("host") == os.getpid() or not names:
        return finding
    import multiprocessing
    import re

    suffix = f" [{multiprocessing.current_process().name}, pid {os.getpid()}]"
    pattern = re.compile("|".join(re.escape(n) for n in names))

    def rename(text: Any) -> Any:
        return pattern.sub(lambda m: m.group(0) + suffix, text) if isinstance(text, str) else text

    out = dict(finding, message=rename(finding["message"]))
    out["threads"] = [rename(t) for t in finding["threads"]]
    out["cycle"] = [rename(t) for t in finding.get("cycle", [])]
    out["waits"] = [
        dict(w, thread=rename(w["thread"]), holder=rename(w.get("holder")))
        for w in finding.get("waits", [])
    ]
    return out


def start() -> None:
    """In a spawned child (or any Python the run starts), from its ``sitecustomize``."""
    from workbench import instrument, manager_trace
    from workbench.events import EventBuffer, Strings
    from workbench.tracer import Tracer

    info = json.loads(os.environ[CHILD_ENV])
    command = " ".join(getattr(sys, "orig_argv", sys.argv))
    if info["host"] == os.getpid() or any(s in command for s in SERVICES):
        return  # multiprocessing's resource tracker and fork server are not the program
    events = EventBuffer(Strings())
    sender = _connect(events)
    tracer = Tracer(events, tag=f" [pid {os.getpid()}]")
    watch(tracer, sender)
    instrument.install(tracer)
    if info.get("mode") == "full":
        from workbench import mp_shared
        from workbench.shared import SharedStateTracer

        manager_trace.FULL = True
        mp_shared.install(tracer)
        SharedStateTracer(tracer).install()
    follow_forks()
    atexit.register(flush)


def follow_forks() -> None:
    """Trace the children this process forks (multiprocessing's default start method)."""
    if not _session.get("forks"):
        os.register_at_fork(before=_before_fork, after_in_child=after_fork)
        _session["forks"] = True


def _before_fork() -> None:
    """The sender imports numpy on its first batch; a fork in the middle of that import would
    leave the child waiting forever on the module's import lock. Import it here, first."""
    import numpy  # noqa: F401


def after_fork() -> None:
    """In a forked child: a fresh connection, sender, watchdog and reporter for the inherited
    tracer, which keeps its names."""
    from workbench import instrument, mp_trace

    tracer = instrument._T
    if tracer is None or tracer._pid == os.getpid() or CHILD_ENV not in os.environ:
        return
    try:
        me, pid = threading.get_ident(), os.getpid()
        strings = tracer.strings
        strings._lock = _thread.allocate_lock()  # threading.Lock is the traced one here
        strings._new = {i: s for s, i in strings._ids.items()}  # the controller knows none
        events = tracer.buffer
        events._rows.clear()  # the parent's, and the parent sends them
        events.dropped = 0
        events.pid = tracer._pid = pid
        tracer._count_lock = _thread.allocate_lock()
        tracer.waits = {me: tracer.waits.get(me, [])}
        tracer.inside = {k: v for k, v in tracer.inside.items() if k == me}
        tracer.idle_waits = {}
        tracer.idents = {}
        mp_trace.HELD.clear()  # a shared lock the parent holds stays the parent's
        _session.clear()
        _session["forks"] = True
        instrument.uninstall()  # our own threads and their primitives are not the program's
        try:
            watch(tracer, _connect(events))
        finally:
            instrument.install(tracer)
        if isinstance(threading._active_limbo_lock, instrument.TracedLock):
            # threading's own after-fork hook made it with the traced RLock: every thread
            # start and end would take it, and order every thread after every other
            threading._active_limbo_lock = _thread.RLock()
        tracer.thread_began(threading.current_thread().name)
        atexit.register(flush)  # a bare os.fork() child that leaves through sys.exit
    except Exception as exc:  # tracing is an observer: the child runs untraced instead
        os.write(2, f"workbench: this forked child is not traced: {exc!r}\n".encode())


def flush() -> None:
    """Send what is left, once, from the process that owns the session."""
    if _session.get("pid") != os.getpid() or _session.get("flushed"):
        return
    _session["flushed"] = True
    tracer = _session["tracer"]
    tracer.thread_ended(threading.current_thread().name)  # the process's end, for happens-before
    _session["reporter"].stopped = True
    tracer.enter()
    try:
        _session["sender"].close()
    finally:
        tracer.leave()


def become_server() -> None:
    """In a Manager's server process: it serves the program's proxies and is no party to a
    deadlock; it says so and runs untraced (its requests are recorded by the clients)."""
    from workbench import instrument, mp_shared

    sender = _session.get("sender")
    if _session.get("pid") != os.getpid() or sender is None:
        return
    _session["reporter"].stopped = True
    sender.put(Msg.WAITS, {"pid": os.getpid(), "server": True})
    instrument.uninstall()
    mp_shared.uninstall()
    sys.settrace(None)  # full mode's shared-state tracing, inherited or installed
    threading.settrace(None)  # type: ignore[arg-type]
