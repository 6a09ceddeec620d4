"""``multiprocessing.Pipe`` under tracing: each message one send and one receive, matched.

A pipe made by the program (not one multiprocessing makes for its own Queue or Manager) gets
a name where it is made, ``Pipe#3 @ f.py:12``, and each direction a name of its own
(``… a→b``, ``… b→a``; ``… w→r`` for a one-way pipe). Every send and every receive records its
direction and a sequence number, so the n-th send and the n-th receive of a direction are one
message: one arrow on the timeline, one happens-before edge for the race detector. The names
and counters are attributes of the two ``Connection`` objects, so they travel with an end that
is pickled to a child (a reducer carries them) or inherited by a forked one.

A ``recv`` on an empty pipe is a wait (``pipe.wait``); the message is unpickled after the wait
ends. A ``send`` pickles first, then writes: the write is a wait only for as long as the pipe is
full, known to the watchdogs while it lasts and drawn when it took over a millisecond.
"""

from __future__ import annotations

import multiprocessing.connection as mpc
import sys
import threading
import time
import weakref
from multiprocessing.reduction import ForkingPickler
from typing import Any

from workbench.tracer import Kind, Tracer, _internal

_T: Tracer | None = None
_REAL: dict[str, Any] = {}
_LIVE: weakref.WeakSet[Any] = weakref.WeakSet()  # named ends alive in this process
_Base = mpc._ConnectionBase
_CONTEXT = "multiprocessing/context.py"
SLOW_SEND_NS = 1_000_000
get_ident = threading.get_ident


def ends_here() -> list[str]:
    """The names of the pipe ends this process has open (for the cross-process deadlock)."""
    try:
        return sorted(c._wb_end for c in list(_LIVE) if not c.closed)
    except RuntimeError:  # the set changed while we read it
        return []


def _name_ends(a: Any, b: Any, base: str, duplex: bool) -> None:
    if duplex:
        ends = ((a, "a", "b"), (b, "b", "a"))
        for conn, me, other in ends:
            conn._wb_end, conn._wb_peer = f"{base} {me}", f"{base} {other}"
            conn._wb_out, conn._wb_in = f"{base} {me}→{other}", f"{base} {other}→{me}"
    else:  # (reader, writer)
        a._wb_end, a._wb_peer, a._wb_in, a._wb_out = f"{base} r", f"{base} w", f"{base} w→r", None
        b._wb_end, b._wb_peer, b._wb_out, b._wb_in = f"{base} w", f"{base} r", f"{base} w→r", None
    for conn in (a, b):
        conn._wb_sent = conn._wb_got = 0
        _LIVE.add(conn)


def _pipe(duplex: bool = True) -> tuple[Any, Any]:
    a, b = _REAL["Pipe"](duplex)
    t = _T
    caller = sys._getframe(1)
    if caller.f_code.co_filename.endswith(_CONTEXT) and caller.f_back is not None:
        caller = caller.f_back  # multiprocessing.Pipe(): the program's call is one further out
    if t is not None and not _internal(caller.f_code.co_filename):
        _name_ends(a, b, t.new_name("Pipe"), duplex)
    return a, b


def _span(t: Tracer, start: int, name: str, loc: int) -> None:
    """A send that was stuck on a full pipe for a while, drawn as the wait it was."""
    end = time.perf_counter_ns()
    if end - start < SLOW_SEND_NS or len(t._rows) >= t._capacity:
        return
    obj, tid = t.strings.id(name), get_ident()
    t._rows.append((start, t._pid, tid, t.kind_ids[Kind.PIPE_WAIT], obj, 0, loc))
    t._rows.append((end, t._pid, tid, t.kind_ids[Kind.PIPE_WOKE], obj, 1, loc))


def _write(self: Any, t: Tracer, name: str, data: Any) -> None:
    self._wb_sent += 1
    loc = t.where(3)[0]
    # Recorded before the bytes go: the receiver may record its recv before send() returns.
    t.emit(Kind.PIPE_SEND, name, self._wb_sent, loc)
    wait = t.quiet_wait(Kind.PIPE_WAIT, name, None, self._wb_peer)
    start = time.perf_counter_ns()
    try:
        self._send_bytes(data)
    finally:
        t.quiet_end(wait)
    _span(t, start, name, loc)


def _send(self: Any, obj: Any) -> None:
    name = self.__dict__.get("_wb_out")
    t = _T
    if name is None or t is None or get_ident() in t.inside:
        return _REAL["send"](self, obj)
    self._check_closed()
    self._check_writable()
    _write(self, t, name, ForkingPickler.dumps(obj))  # pickled before, not inside, the wait


def _send_bytes(self: Any, buf: Any, offset: int = 0, size: int | None = None) -> None:
    name = self.__dict__.get("_wb_out")
    t = _T
    if name is None or t is None or get_ident() in t.inside:
        return _REAL["send_bytes"](self, buf, offset, size)
    self._check_closed()
    self._check_writable()
    view = memoryview(buf)
    end = len(view) if size is None else offset + size
    if offset < 0 or end > len(view) or (size is not None and size < 0):
        return _REAL["send_bytes"](self, buf, offset, size)  # let it raise its own error
    _write(self, t, name, view[offset:end])


def _read(self: Any, t: Tracer, name: str, maxlength: int | None = None) -> Any:
    """The raw message, waiting for it as a ``pipe.wait`` when none is there yet."""
    loc = t.where(3)[0]
    if self._poll(0.0):
        buf = self._recv_bytes(maxlength)
    else:
        loc = t.wait_begin(Kind.PIPE_WAIT, name, None, self._wb_peer, external=True)
        got = 0
        try:
            buf = self._recv_bytes(maxlength)
            got = 1
        finally:
            t.wait_end(Kind.PIPE_WOKE, name, got, loc)
    self._wb_got += 1
    t.emit(Kind.PIPE_RECV, name, self._wb_got, loc)
    return buf


def _recv(self: Any) -> Any:
    name = self.__dict__.get("_wb_in")
    t = _T
    if name is None or t is None or get_ident() in t.inside:
        return _REAL["recv"](self)
    self._check_closed()
    self._check_readable()
    buf = _read(self, t, name)
    return ForkingPickler.loads(buf.getbuffer())  # unpickled after the wait


def _recv_bytes(self: Any, maxlength: int | None = None) -> bytes:
    name = self.__dict__.get("_wb_in")
    t = _T
    if name is None or t is None or get_ident() in t.inside:
        return _REAL["recv_bytes"](self, maxlength)
    self._check_closed()
    self._check_readable()
    if maxlength is not None and maxlength < 0:
        raise ValueError("negative maxlength")
    buf = _read(self, t, name, maxlength)
    if buf is None:
        self._bad_message_length()
    return buf.getvalue()


def _poll(self: Any, timeout: float | None = 0.0) -> bool:
    name = self.__dict__.get("_wb_in")
    t = _T
    if name is None or t is None or timeout == 0.0 or get_ident() in t.inside:
        return _REAL["poll"](self, timeout)
    self._check_closed()
    self._check_readable()
    if self._poll(0.0):
        return True
    loc = t.wait_begin(Kind.PIPE_WAIT, name, timeout, self._wb_peer, external=True)
    ready = False
    try:
        ready = self._poll(timeout)
    finally:
        t.wait_end(Kind.PIPE_WOKE, name, int(ready), loc)
    return ready


def _rebuild(rebuild: Any, args: tuple, state: dict[str, Any]) -> Any:
    conn = rebuild(*args)
    conn.__dict__.update(state)
    _LIVE.add(conn)
    return conn


def _reduce(conn: Any) -> tuple:
    rebuild, args = _REAL["reduce"](conn)
    state = {k: v for k, v in conn.__dict__.items() if k.startswith("_wb_")}
    return (_rebuild, (rebuild, args, state)) if state else (rebuild, args)


METHODS = {
    "send": _send,
    "send_bytes": _send_bytes,
    "recv": _recv,
    "recv_bytes": _recv_bytes,
    "poll": _poll,
}


def install(tracer: Tracer) -> None:
    global _T
    _T = tracer
    _REAL["Pipe"] = mpc.Pipe
    mpc.Pipe = _pipe
    for name, replacement in METHODS.items():
        _REAL[name] = getattr(_Base, name)
        setattr(_Base, name, replacement)
    reducers = ForkingPickler._extra_reducers
    _REAL["reduce"] = reducers.get(mpc.Connection, mpc.reduce_connection)
    reducers[mpc.Connection] = _reduce


def uninstall() -> None:
    global _T
    _T = None
    if not _REAL:
        return
    mpc.Pipe = _REAL.pop("Pipe")
    for name in METHODS:
        setattr(_Base, name, _REAL.pop(name))
    ForkingPickler._extra_reducers[mpc.Connection] = _REAL.pop("reduce")
