"""``multiprocessing.Manager`` proxies under tracing, recorded on the client side.

The Manager's server process runs untraced (it tells the controller it is a server and is no
party to a deadlock); every proxy call goes through ``BaseProxy._callmethod``, which is where
the program's operations are recorded, under the referent's id in the server
(``mgr.Lock 7f3a…``) — the same name in every process that holds a proxy to it. Lock, RLock,
Semaphore, BoundedSemaphore, Condition, Event, Barrier, Queue and JoinableQueue record what the
``threading`` / ``queue`` stand-ins record, their waits marked as ones another process can end.
In ``full`` mode, item and attribute reads and writes through dict, list, Namespace and Value
proxies are recorded for the race detector; the proxy's other methods (``append``, ``update``,
``pop``…) run whole inside the server, one at a time, and are not races.
"""

from __future__ import annotations

import multiprocessing.managers as mm
import threading
from typing import Any

from workbench import mp_trace
from workbench.tracer import Kind, Tracer

_T: Tracer | None = None
_REAL: dict[str, Any] = {}
FULL = False  # record data accesses through proxies (full mode)
get_ident = threading.get_ident
LOCKS = {"Lock", "RLock", "Condition"}
SEMAPHORES = {"Semaphore", "BoundedSemaphore"}
QUEUES = {"Queue", "JoinableQueue"}


def _arg(args: tuple, kwds: dict, i: int, name: str, default: Any) -> Any:
    return args[i] if len(args) > i else kwds.get(name, default)


def _acquire(self: Any, t: Tracer, name: str, typeid: str, args: tuple, kwds: dict) -> Any:
    real, me = _REAL["call"], get_ident()
    lock = typeid in LOCKS
    if typeid != "Lock" and lock and mp_trace.HELD.get(me, {}).get(name):
        ok = real(self, "acquire", args, kwds)  # re-entered: only the outermost is recorded
        mp_trace.hold(me, name, 1)
        return ok
    got, wait, woke = (
        (Kind.LOCK_ACQUIRED, Kind.LOCK_WAIT, Kind.LOCK_WOKE)
        if lock
        else (Kind.SEM_ACQUIRED, Kind.SEM_WAIT, Kind.SEM_WOKE)
    )
    if real(self, "acquire", (False,)):
        t.emit(got, name, 0, t.where()[0])
        if lock:
            mp_trace.hold(me, name, 1)
        return True
    if not _arg(args, kwds, 0, "blocking", True):
        return False
    loc = t.wait_begin(wait, name, _arg(args, kwds, 1, "timeout", None), external=True)
    ok = False
    try:
        ok = real(self, "acquire", args, kwds)
    finally:
        t.wait_end(woke, name, int(bool(ok)), loc)
    if ok:
        t.emit(got, name, 1, loc)
        if lock:
            mp_trace.hold(me, name, 1)
    return ok


def _release(self: Any, t: Tracer, name: str, typeid: str, args: tuple, kwds: dict) -> Any:
    me = get_ident()
    if typeid in LOCKS:
        depth = mp_trace.HELD.get(me, {}).get(name, 0)
        mp_trace.hold(me, name, -1)
        if depth <= 1:
            t.emit(Kind.LOCK_RELEASED, name, 0, t.where()[0])
    else:
        t.emit(Kind.SEM_RELEASED, name, 1, t.where()[0])
    return _REAL["call"](self, "release", args, kwds)


def _waiting(
    self: Any,
    t: Tracer,
    name: str,
    method: str,
    args: tuple,
    kwds: dict,
    kinds: tuple[Kind, Kind],
    timeout: float | None,
) -> Any:
    """A blocking call on the server, recorded as a wait another process can end."""
    loc = t.wait_begin(kinds[0], name, timeout, external=True)
    result, ok = None, 0
    try:
        result = _REAL["call"](self, method, args, kwds)
        ok = 1 if result is None else int(bool(result))
    finally:
        t.wait_end(kinds[1], name, ok, loc)
    return result


def _cond_wait(self: Any, t: Tracer, name: str, args: tuple, kwds: dict) -> Any:
    me = get_ident()
    depth = mp_trace.HELD.get(me, {}).get(name, 0)
    t.emit(Kind.LOCK_RELEASED, name, 0, t.where()[0])  # wait lets go of the lock …
    mp_trace.hold(me, name, -depth)
    try:
        timeout = _arg(args, kwds, 0, "timeout", None)
        return _waiting(
            self, t, name, "wait", args, kwds, (Kind.COND_WAIT, Kind.COND_WOKE), timeout
        )
    finally:
        t.emit(Kind.LOCK_ACQUIRED, name, 1, t.where()[0])  # … and has it again
        mp_trace.hold(me, name, depth)


def _queue_call(self: Any, t: Tracer, name: str, method: str, args: tuple, kwds: dict) -> Any:
    real = _REAL["call"]
    if method in ("put", "put_nowait"):
        t.emit(Kind.QUEUE_PUT, name, 0, t.where()[0])
        wait = t.quiet_wait(Kind.QUEUE_PUT_WAIT, name, _arg(args, kwds, 2, "timeout", None))
        try:
            return real(self, method, args, kwds)
        finally:
            t.quiet_end(wait)
    if method in ("get", "get_nowait"):
        block = method == "get" and _arg(args, kwds, 0, "block", True)
        timeout = _arg(args, kwds, 1, "timeout", None) if block else 0
        loc = t.wait_begin(Kind.QUEUE_GET_WAIT, name, timeout, external=True)
        ok = 0
        try:
            item = real(self, method, args, kwds)
            ok = 1
        finally:
            t.wait_end(Kind.QUEUE_WOKE, name, ok, loc)
        t.emit(Kind.QUEUE_GOT, name, 0, loc)
        return item
    if method == "task_done":
        t.emit(Kind.QUEUE_DONE, name, 0, t.where()[0])
        return real(self, method, args, kwds)
    if method == "join":
        kinds = (Kind.QUEUE_JOIN_WAIT, Kind.QUEUE_JOIN_WOKE)
        return _waiting(self, t, name, method, args, kwds, kinds, None)
    return real(self, method, args, kwds)


READS = {"__getitem__", "get", "__getattribute__"}
WRITES = {"__setitem__", "__delitem__", "__setattr__", "__delattr__", "set"}


def _data(self: Any, t: Tracer, typeid: str, method: str, args: tuple) -> None:
    """One recorded read or write of a proxied container's item or a Namespace's attribute."""
    if method not in READS and method not in WRITES:
        return
    if typeid == "Value":
        target = f"attr mgr.Value {self._token.id}.value"
    elif method in ("__getattribute__", "__setattr__", "__delattr__"):
        if not args or str(args[0]).startswith("_"):
            return
        target = f"attr mgr.Namespace {self._token.id}.{args[0]}"
    elif args:
        target = f"item mgr.{typeid} {self._token.id}[{args[0]!r:.40}]"
    else:
        return
    kind = Kind.MEM_READ if method in READS else Kind.MEM_WRITE
    t.emit(kind, target, 0, t.where()[0])


def _callmethod(self: Any, methodname: str, args: tuple = (), kwds: dict | None = None) -> Any:
    t = _T
    kwds = kwds or {}
    real = _REAL["call"]
    if t is None or get_ident() in t.inside:
        return real(self, methodname, args, kwds)
    typeid = self._token.typeid
    name = f"mgr.{typeid} {self._token.id}"
    if typeid in LOCKS or typeid in SEMAPHORES:
        if methodname == "acquire":
            return _acquire(self, t, name, typeid, args, kwds)
        if methodname == "release":
            return _release(self, t, name, typeid, args, kwds)
        if methodname == "wait":
            return _cond_wait(self, t, name, args, kwds)
        if methodname in ("notify", "notify_all"):
            t.emit(Kind.COND_NOTIFY, name, _arg(args, kwds, 0, "n", 0), t.where()[0])
    elif typeid == "Event":
        if methodname == "set":
            t.emit(Kind.EVENT_SET, name, 0, t.where()[0])
        elif methodname == "clear":
            t.emit(Kind.EVENT_CLEAR, name, 0, t.where()[0])
        elif methodname == "wait":
            timeout = _arg(args, kwds, 0, "timeout", None)
            kinds = (Kind.EVENT_WAIT, Kind.EVENT_WOKE)
            return _waiting(self, t, name, methodname, args, kwds, kinds, timeout)
    elif typeid == "Barrier" and methodname == "wait":
        timeout = _arg(args, kwds, 0, "timeout", None)
        kinds = (Kind.BARRIER_WAIT, Kind.BARRIER_WOKE)
        return _waiting(self, t, name, methodname, args, kwds, kinds, timeout)
    elif typeid in QUEUES:
        return _queue_call(self, t, name, methodname, args, kwds)
    elif FULL and typeid in ("dict", "list", "Namespace", "Value"):
        _data(self, t, typeid, methodname, args)
    return real(self, methodname, args, kwds)


def _run_server(cls: Any, registry: dict[str, Any], *args: Any, **kwargs: Any) -> None:
    """The Manager's server: untraced, so the registry it was handed (pickled with the traced
    stand-ins in it, under spawn) makes the real primitives again."""
    from workbench import child_trace, instrument

    real = _REAL["run_server"].__func__
    originals = {
        new: instrument._REAL[instrument._key(owner, name)]
        for (owner, name), new in instrument.PATCHES.items()
        if owner is threading and instrument._key(owner, name) in instrument._REAL
    }
    registry = {
        typeid: (originals.get(entry[0], entry[0]), *entry[1:])
        for typeid, entry in registry.items()
    }
    child_trace.become_server()  # uninstalls tracing, this patch included
    return real(cls, registry, *args, **kwargs)


def install(tracer: Tracer) -> None:
    global _T
    _T = tracer
    _REAL["call"] = mm.BaseProxy._callmethod
    _REAL["run_server"] = mm.BaseManager.__dict__["_run_server"]
    mm.BaseProxy._callmethod = _callmethod
    mm.BaseManager._run_server = classmethod(_run_server)


def uninstall() -> None:
    global _T
    _T = None
    if _REAL:
        mm.BaseProxy._callmethod = _REAL.pop("call")
        mm.BaseManager._run_server = _REAL.pop("run_server")
