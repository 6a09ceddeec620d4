"""The traced communicator: every MPI call a rank makes, recorded as two events.

:func:`install` puts a :class:`TracedIntracomm` — a subclass of ``MPI.Intracomm`` that shares
the real ``COMM_WORLD``'s handle — in place of ``MPI.COMM_WORLD`` before the program runs, so
recipes and users' own scripts are traced unchanged. Communicators derived from it (``Dup``,
``Split``, ``Create``, ``Create_cart``, ``Sub``) are traced too, and so are the requests of
non-blocking calls.

Each call is a begin event (``mpi.<call>``) and an ``mpi.end`` event. ``obj`` is the interned
description of the communicator (its name and the world ranks of its members, so peers can be
mapped to world ranks), ``arg`` packs peer, tag and size (:func:`pack`), ``loc`` is the caller's
``file:line``. The recorder also keeps the call a rank is blocked in right now, which the
deadlock watch (:mod:`workbench.mpi_deadlock`) reads.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from mpi4py import MPI

from workbench.events import EventBuffer
from workbench.mpi_events import UNKNOWN_SIZE, pack

_now = time.perf_counter_ns
_ident = threading.get_ident
_getframe = sys._getframe
_recorder: Recorder | None = None
_original: MPI.Intracomm | None = None


def nbytes(buf: Any) -> int:
    """The bytes of a buffer argument (an array, or ``[array, datatype]``); -1 if unknown."""
    size = getattr(buf, "nbytes", None)
    if size is not None:
        return size
    if buf is None:
        return 0
    if isinstance(buf, list | tuple) and buf:
        return nbytes(buf[0])
    try:
        return memoryview(buf).nbytes
    except TypeError:
        return -1


class Recorder:
    """Appends the MPI events of one rank and remembers the call it is blocked in."""

    def __init__(self, events: EventBuffer, world_rank: int) -> None:
        self.events = events
        self.strings = events.strings
        self._rows = events._rows
        self._cap = events.capacity
        self._pid = events.pid
        self.rank = world_rank
        self.end_id = self.strings.id("mpi.end")
        self._kinds = _Kinds(self.strings)
        self._locs: dict[tuple[int, int], tuple[int, str, Any]] = {}
        # (call, comm, arg, since, loc, obj, extra): the call under way (arg: see pack)
        self.current: tuple | None = None
        self.calls = 0  # completed calls: progress, for the deadlock watch
        # id(request) -> (call, comm, peer, tag): non-blocking calls not yet completed. A
        # posted Isend can complete a peer's receive while this rank waits on something else.
        self.pending: dict[int, tuple[str, Any, int, int]] = {}
        self._arg = 0

    def begin(
        self,
        call: str,
        comm: Any,
        peer: int,
        tag: int,
        size: int,
        obj: Any = None,
        extra: Any = None,
        depth: int = 2,
    ) -> int:
        """Record a call's start; returns its location id for :meth:`end`. ``obj`` is a pickled
        send's object (sized only if the call blocks), ``extra`` a sendrecv's (source, tag).
        The hot path: pack() is inlined and a line seen before costs one dict lookup."""
        frame = _getframe(depth)
        code = frame.f_code
        # Keyed by the code's id (hashing a code object hashes its whole body) and the
        # instruction (cheap, where f_lineno is computed from the line table on each read).
        key = (id(code), frame.f_lasti)
        loc = self._locs.get(key)
        if loc is None:  # the code object is kept in the value, so its id is never reused
            text = f"{code.co_filename}:{frame.f_lineno}"
            loc = self._locs[key] = (self.strings.id(text), text, code)
        if size < 0 or size >= UNKNOWN_SIZE:
            size = UNKNOWN_SIZE if size < 0 else UNKNOWN_SIZE - 1
        tag = tag if tag < 0xFFFB else 0xFFFB
        arg = self._arg = size | ((peer + 4) & 0x3FFF) << 32 | (tag + 4) << 46
        now = _now()
        self.current = (call, comm, arg, now, loc[1], obj, extra)
        rows = self._rows
        if len(rows) < self._cap:
            rows.append((now, self._pid, _ident(), self._kinds[call], comm._wb_id, arg, loc[0]))
        else:
            self.events.dropped += 1
        return loc[0]

    def end(self, comm: Any, loc: int, status: Any = None) -> None:
        """Record a call's end: what a receive got (``status``), else what began."""
        self.current = None
        self.calls += 1
        arg = self._arg if status is None else _got(status)
        rows = self._rows
        if len(rows) < self._cap:
            rows.append((_now(), self._pid, _ident(), self.end_id, comm._wb_id, arg, loc))
        else:
            self.events.dropped += 1

    def describe(self, comm: Any, name: str) -> None:
        """Name a communicator: its description is interned and announced once per rank."""
        group, world = comm.Get_group(), _original.Get_group()
        members = MPI.Group.Translate_ranks(group, list(range(group.Get_size())), world)
        group.Free()
        world.Free()
        text = f"{name} [{','.join(map(str, members))}]"
        if isinstance(comm, MPI.Cartcomm):
            dims, periods, _ = comm.Get_topo()
            text += (
                f" cart={'x'.join(map(str, dims))} periods={''.join(str(int(p)) for p in periods)}"
            )
        comm._wb_members = members
        comm._wb_id = self.strings.id(text)
        comm._wb_name = text
        self.events.add("mpi.comm", comm._wb_id, comm.Get_rank())


def _status(status: Any) -> Any:
    return status if status is not None else MPI.Status()


def _got(status: Any) -> int:
    """What a receive got, packed: source, tag and bytes."""
    return pack(status.Get_source(), status.Get_tag(), status.Get_count(MPI.BYTE))


class _Kinds(dict):
    """``mpi.<call>`` string ids, interned on first use."""

    def __init__(self, strings: Any) -> None:
        super().__init__()
        self.strings = strings

    def __missing__(self, call: str) -> int:
        found = self[call] = self.strings.id(f"mpi.{call}")
        return found


_WAIT = {"irecv": "wait.recv", "isend": "wait.send"}
_Req = MPI.Request  # the library's own class: install() puts TracedRequest in its place
_Comm = MPI.Comm  # point-to-point methods live here: a direct call is cheaper than super()


class _AnyRequest(type):
    """While TracedRequest stands in for ``MPI.Request``, every request is still one."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, _Req)

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, _Req)


class TracedRequest(MPI.Request, metaclass=_AnyRequest):
    """A request that records its completion (``wait``/``Wait``, ``test``/``Test``). Its
    methods called on a plain request (``MPI.Request.Test(req)``, as mpi4py.futures does) are
    the library's own."""

    def _wb_set(self, comm: Any, call: str, peer: int, tag: int, size: int) -> TracedRequest:
        self._wb = (comm, call, peer, tag, size)
        return self

    def wait(self, status: Any = None) -> Any:
        if not _traced(self):
            return _Req.wait(self, status)
        return self._wb_wait(status, True, 3)

    def Wait(self, status: Any = None) -> bool:
        if not _traced(self):
            return _Req.Wait(self, status)
        return self._wb_wait(status, False, 3)

    def _wb_wait(self, status: Any, pickled: bool, depth: int) -> Any:
        """Wait for this request, recorded; the location is ``depth`` frames up."""
        comm, call, peer, tag, size = self._wb
        st = _status(status)
        loc = _recorder.begin(_WAIT[call], comm, peer, tag, size, depth=depth)
        value = _Req.wait(self, st) if pickled else _Req.Wait(self, st)
        _recorder.pending.pop(id(self), None)
        _recorder.end(comm, loc, st if call == "irecv" else None)
        return value

    # The array forms, called as ``MPI.Request.Waitall(requests)``: install() puts this class
    # in place of MPI.Request. Waiting for each request in turn completes what Waitall would
    # (MPI defines Waitall so), and a rank blocked in one is seen by the deadlock watch.
    @classmethod
    def Waitall(cls, requests: Any, statuses: Any = None) -> bool:
        _wait_each(requests, statuses, False)
        return True

    @classmethod
    def waitall(cls, requests: Any, statuses: Any = None) -> list[Any]:
        return _wait_each(requests, statuses, True)

    @classmethod
    def Testall(cls, requests: Any, statuses: Any = None) -> bool:
        statuses = _statuses(requests, statuses)
        flag = _Req.Testall(requests, statuses)
        if flag:
            _done(requests, range(len(requests)), statuses)
        return flag

    @classmethod
    def testall(cls, requests: Any, statuses: Any = None) -> tuple[bool, Any]:
        statuses = _statuses(requests, statuses)
        flag, values = _Req.testall(requests, statuses)
        if flag:
            _done(requests, range(len(requests)), statuses)
        return flag, values

    @classmethod
    def Waitany(cls, requests: Any, status: Any = None) -> int:
        st = _status(status)
        index = _Req.Waitany(requests, st)
        _done(requests, [index], [st] * (index + 1))
        return index

    @classmethod
    def waitany(cls, requests: Any, status: Any = None) -> tuple[int, Any]:
        st = _status(status)
        index, value = _Req.waitany(requests, st)
        _done(requests, [index], [st] * (index + 1))
        return index, value

    def test(self, status: Any = None) -> tuple[bool, Any]:
        if not _traced(self):
            return _Req.test(self, status)
        st = _status(status)
        flag, value = _Req.test(self, st)
        if flag:
            self._wb_done(st)
        return flag, value

    def Test(self, status: Any = None) -> bool:
        if not _traced(self):
            return _Req.Test(self, status)
        st = _status(status)
        flag = _Req.Test(self, st)
        if flag:
            self._wb_done(st)
        return flag

    def _wb_done(self, st: Any, depth: int = 3) -> None:
        comm, call, peer, tag, size = self._wb
        _recorder.pending.pop(id(self), None)
        loc = _recorder.begin(_WAIT[call], comm, peer, tag, size, depth=depth)
        _recorder.end(comm, loc, st if call == "irecv" else None)


def _traced(req: Any) -> bool:
    """A request made by a traced call (not one made elsewhere, nor ``MPI.Request()``)."""
    return getattr(req, "_wb", None) is not None


def _statuses(requests: Any, statuses: Any) -> list[Any]:
    """One Status per request (the caller's list, extended, when it gave one)."""
    if statuses is None:
        return [MPI.Status() for _ in requests]
    statuses.extend(MPI.Status() for _ in range(len(requests) - len(statuses)))
    return statuses


def _wait_each(requests: Any, statuses: Any, pickled: bool) -> list[Any]:
    """Waitall as a wait on each request in turn; untraced requests wait unrecorded."""
    statuses = _statuses(requests, statuses)
    values = []
    for req, st in zip(requests, statuses, strict=False):
        if _traced(req) and req:
            values.append(req._wb_wait(st, pickled, 4))
        else:
            values.append(_Req.wait(req, st) if pickled else _Req.Wait(req, st))
    return values


def _done(requests: Any, indices: Any, statuses: Any) -> None:
    """Record the completion of the requests at ``indices`` (an array Test or Waitany)."""
    for i in indices:
        req = requests[i] if 0 <= i < len(requests) else None
        if _traced(req):
            req._wb_done(statuses[i], depth=4)


def _request(req: Any, comm: Any, call: str, peer: int, tag: int, size: int) -> TracedRequest:
    traced = TracedRequest(req)._wb_set(comm, call, peer, tag, size)
    _recorder.pending[id(traced)] = (call, comm, peer, tag)
    return traced


class TracedMixin:
    """The traced calls; mixed into Intracomm and Cartcomm."""

    # -- point to point, pickled objects -------------------------------------------------
    def send(self, obj: Any, dest: int, tag: int = 0) -> None:
        loc = _recorder.begin("send", self, dest, tag, -1, obj)
        _Comm.send(self, obj, dest, tag)
        _recorder.end(self, loc)

    def ssend(self, obj: Any, dest: int, tag: int = 0) -> None:
        loc = _recorder.begin("ssend", self, dest, tag, -1, obj)
        _Comm.ssend(self, obj, dest, tag)
        _recorder.end(self, loc)

    def recv(self, buf: Any = None, source: int = MPI.ANY_SOURCE, tag: int = MPI.ANY_TAG,
             status: Any = None) -> Any:  # fmt: skip
        st = _status(status)
        loc = _recorder.begin("recv", self, source, tag, -1)
        value = _Comm.recv(self, buf, source, tag, st)
        _recorder.end(self, loc, st)
        return value

    def sendrecv(self, sendobj: Any, dest: int, sendtag: int = 0, recvbuf: Any = None,
                 source: int = MPI.ANY_SOURCE, recvtag: int = MPI.ANY_TAG,
                 status: Any = None) -> Any:  # fmt: skip
        st = _status(status)
        loc = _recorder.begin("sendrecv", self, dest, sendtag, -1, sendobj, (source, recvtag))
        value = _Comm.sendrecv(self, sendobj, dest, sendtag, recvbuf, source, recvtag, st)
        _recorder.end(self, loc, st)
        return value

    def isend(self, obj: Any, dest: int, tag: int = 0) -> TracedRequest:
        loc = _recorder.begin("isend", self, dest, tag, -1, obj)
        req = _Comm.isend(self, obj, dest, tag)
        _recorder.end(self, loc)
        return _request(req, self, "isend", dest, tag, -1)

    def irecv(self, buf: Any = None, source: int = MPI.ANY_SOURCE,
              tag: int = MPI.ANY_TAG) -> TracedRequest:  # fmt: skip
        loc = _recorder.begin("irecv", self, source, tag, -1)
        req = _Comm.irecv(self, buf, source, tag)
        _recorder.end(self, loc)
        return _request(req, self, "irecv", source, tag, -1)

    # -- point to point, buffers ---------------------------------------------------------
    def Send(self, buf: Any, dest: int, tag: int = 0) -> None:
        size = nbytes(buf)
        loc = _recorder.begin("Send", self, dest, tag, size)
        _Comm.Send(self, buf, dest, tag)
        _recorder.end(self, loc)

    def Ssend(self, buf: Any, dest: int, tag: int = 0) -> None:
        size = nbytes(buf)
        loc = _recorder.begin("Ssend", self, dest, tag, size)
        _Comm.Ssend(self, buf, dest, tag)
        _recorder.end(self, loc)

    def Recv(self, buf: Any, source: int = MPI.ANY_SOURCE, tag: int = MPI.ANY_TAG,
             status: Any = None) -> None:  # fmt: skip
        st = _status(status)
        loc = _recorder.begin("Recv", self, source, tag, nbytes(buf))
        _Comm.Recv(self, buf, source, tag, st)
        _recorder.end(self, loc, st)

    def Sendrecv(self, sendbuf: Any, dest: int, sendtag: int = 0, recvbuf: Any = None,
                 source: int = MPI.ANY_SOURCE, recvtag: int = MPI.ANY_TAG,
                 status: Any = None) -> None:  # fmt: skip
        st = _status(status)
        loc = _recorder.begin(
            "Sendrecv", self, dest, sendtag, nbytes(sendbuf), None, (source, recvtag)
        )
        _Comm.Sendrecv(self, sendbuf, dest, sendtag, recvbuf, source, recvtag, st)
        _recorder.end(self, loc, st)

    def Isend(self, buf: Any, dest: int, tag: int = 0) -> TracedRequest:
        size = nbytes(buf)
        loc = _recorder.begin("Isend", self, dest, tag, size)
        req = _Comm.Isend(self, buf, dest, tag)
        _recorder.end(self, loc)
        return _request(req, self, "isend", dest, tag, size)

    def Irecv(self, buf: Any, source: int = MPI.ANY_SOURCE, tag: int = MPI.ANY_TAG) -> Any:
        loc = _recorder.begin("Irecv", self, source, tag, nbytes(buf))
        req = _Comm.Irecv(self, buf, source, tag)
        _recorder.end(self, loc)
        return _request(req, self, "irecv", source, tag, nbytes(buf))

    # -- collectives ---------------------------------------------------------------------
    def barrier(self) -> None:
        loc = _recorder.begin("barrier", self, -1, 0, 0)
        super().barrier()
        _recorder.end(self, loc)

    def Barrier(self) -> None:
        loc = _recorder.begin("barrier", self, -1, 0, 0)
        super().Barrier()
        _recorder.end(self, loc)

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return self._wb_coll("bcast", root, -1, super().bcast, obj, root)

    def scatter(self, sendobj: Any, root: int = 0) -> Any:
        return self._wb_coll("scatter", root, -1, super().scatter, sendobj, root)

    def gather(self, sendobj: Any, root: int = 0) -> Any:
        return self._wb_coll("gather", root, -1, super().gather, sendobj, root)

    def allgather(self, sendobj: Any) -> Any:
        return self._wb_coll("allgather", -1, -1, super().allgather, sendobj)

    def alltoall(self, sendobj: Any) -> Any:
        return self._wb_coll("alltoall", -1, -1, super().alltoall, sendobj)

    # mpi4py's tree reduce/allreduce of objects can wait holding the GIL: the rank's deadlock
    # watch and event sender would stop, and a hang there was never reported. Traced, they
    # are mpi4py's own other way (rc.fast_reduce=False): a gather and a fold in rank order.
    def reduce(self, sendobj: Any, op: Any = MPI.SUM, root: int = 0) -> Any:
        return self._wb_coll("reduce", root, -1, _reduce, self, sendobj, op, root)

    def allreduce(self, sendobj: Any, op: Any = MPI.SUM) -> Any:
        return self._wb_coll("allreduce", -1, -1, _allreduce, self, sendobj, op)

    def Bcast(self, buf: Any, root: int = 0) -> None:
        return self._wb_coll("Bcast", root, nbytes(buf), super().Bcast, buf, root)

    def Scatter(self, sendbuf: Any, recvbuf: Any, root: int = 0) -> None:
        size = nbytes(recvbuf)
        return self._wb_coll("Scatter", root, size, super().Scatter, sendbuf, recvbuf, root)

    def Gather(self, sendbuf: Any, recvbuf: Any, root: int = 0) -> None:
        size = nbytes(sendbuf)
        return self._wb_coll("Gather", root, size, super().Gather, sendbuf, recvbuf, root)

    def Allgather(self, sendbuf: Any, recvbuf: Any) -> None:
        return self._wb_coll("Allgather", -1, nbytes(sendbuf), super().Allgather, sendbuf, recvbuf)

    def Alltoall(self, sendbuf: Any, recvbuf: Any) -> None:
        return self._wb_coll("Alltoall", -1, nbytes(sendbuf), super().Alltoall, sendbuf, recvbuf)

    def Reduce(self, sendbuf: Any, recvbuf: Any, op: Any = MPI.SUM, root: int = 0) -> None:
        size = nbytes(sendbuf)
        return self._wb_coll("Reduce", root, size, super().Reduce, sendbuf, recvbuf, op, root)

    def Allreduce(self, sendbuf: Any, recvbuf: Any, op: Any = MPI.SUM) -> None:
        size = nbytes(sendbuf)
        return self._wb_coll("Allreduce", -1, size, super().Allreduce, sendbuf, recvbuf, op)

    def _wb_coll(self, call: str, root: int, size: int, method: Any, *args: Any) -> Any:
        loc = _recorder.begin(call, self, root, 0, size, depth=3)
        value = method(*args)
        _recorder.end(self, loc)
        return value

    # -- derived communicators -----------------------------------------------------------
    def Dup(self, info: Any = None) -> Any:
        return _derive(super().Dup() if info is None else super().Dup(info), "Dup")

    def Split(self, color: int = 0, key: int = 0) -> Any:
        return _derive(super().Split(color, key), "Split")

    def Create(self, group: Any) -> Any:
        return _derive(super().Create(group), "Create")

    def Create_cart(self, dims: Any, periods: Any = None, reorder: bool = False) -> Any:
        return _derive(super().Create_cart(dims, periods, reorder), "cart")


def _fold(items: list[Any], op: Any) -> Any:
    value = items[0]
    for item in items[1:]:
        value = op(value, item)
    return value


def _reduce(comm: Any, sendobj: Any, op: Any, root: int) -> Any:
    items = _Comm.gather(comm, sendobj, root)
    return None if items is None else _fold(items, op)


def _allreduce(comm: Any, sendobj: Any, op: Any) -> Any:
    return _fold(_Comm.allgather(comm, sendobj), op)


class TracedIntracomm(TracedMixin, MPI.Intracomm):
    """COMM_WORLD and the intracommunicators derived from it, traced."""


class TracedCartcomm(TracedMixin, MPI.Cartcomm):
    """A Cartesian communicator, traced; ``Shift`` and ``Get_coords`` are its own."""

    def Sub(self, remain_dims: Any) -> Any:
        return _derive(super().Sub(remain_dims), "Sub")


_counts: dict[str, int] = {}


def _derive(comm: Any, how: str) -> Any:
    """Wrap a new communicator (the same handle) and announce it; COMM_NULL stays itself."""
    if comm == MPI.COMM_NULL:
        return comm
    _counts[how] = _counts.get(how, 0) + 1  # collective calls: the same count on every member
    traced = (TracedCartcomm if isinstance(comm, MPI.Cartcomm) else TracedIntracomm)(comm)
    _recorder.describe(traced, f"{how}#{_counts[how]}")
    return traced


def install(events: EventBuffer) -> Recorder:
    """Put a traced COMM_WORLD in place of ``MPI.COMM_WORLD``; returns the recorder."""
    global _recorder, _original
    _original = MPI.COMM_WORLD
    _recorder = Recorder(events, _original.Get_rank())
    world = TracedIntracomm(_original)
    _recorder.describe(world, "COMM_WORLD")
    MPI.COMM_WORLD = world
    MPI.Request = TracedRequest  # MPI.Request.Waitall(...) and friends: recorded too
    return _recorder


def uninstall() -> None:
    global _recorder
    if _original is not None:
        MPI.COMM_WORLD = _original
    MPI.Request = _Req
    _recorder = None


def original_world() -> Any:
    """The real COMM_WORLD while a traced one stands in for it (else None)."""
    return _original
