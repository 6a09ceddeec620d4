"""Data races: two accesses to one shared location, one a write, with no happens-before.

Happens-before comes from vector clocks over the synchronisation the trace recorded: thread
start and join, process start and join, lock release → acquire, semaphore release → acquire,
event set → wait, condition notify → wake, queue put → get of the same item, pipe send → recv
of the same message, task_done → join, and barriers.

Threads are keyed by process and name, processes by pid. What a process owns — its globals,
its ``threading`` locks, events and queues — is scoped by pid, because a forked child's copy
is not the same object even though it has the same name; what processes share —
multiprocessing's primitives, Manager proxies, shared ``Value``/``Array``, pipes — is one
object in every process.
A write checks the last write and every read since it; a read checks the last write
(FastTrack's rule, with full vectors for simplicity). Each race is reported once per pair of
code locations, with the threads, the lines and the locks each side held — handing data over
correctly through these primitives is never reported.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from workbench.tracer import Kind

Clock = dict[int, int]


def _join(into: Clock, other: Clock | None) -> None:
    if other:
        for lane, tick in other.items():
            if into.get(lane, 0) < tick:
                into[lane] = tick


class _State:
    def __init__(self) -> None:
        self.vc: dict[int, Clock] = defaultdict(dict)
        self.sync: dict[Any, Clock] = defaultdict(dict)  # lock, event, queue item, …
        self.started: dict[Any, list[Clock]] = defaultdict(list)  # (pid, name) → parent clocks
        self.ended: dict[Any, Clock] = {}
        self.process_started: dict[int, Clock] = {}  # pid → its parent's clock at start
        self.process_ended: dict[int, Clock] = {}
        self.held: dict[int, set[Any]] = defaultdict(set)
        self.last_write: dict[Any, tuple[int, int, int, frozenset[int]]] = {}
        self.reads: dict[Any, dict[int, tuple[int, int, frozenset[int]]]] = defaultdict(dict)
        self.found: dict[tuple[Any, int, int], dict[str, Any]] = {}

    def clock(self, lane: int) -> Clock:
        vc = self.vc[lane]
        vc.setdefault(lane, 1)
        return vc

    def release(self, lane: int, key: Any) -> None:
        """This thread's past happens before whoever acquires ``key`` next."""
        vc = self.clock(lane)
        _join(self.sync[key], vc)
        vc[lane] += 1

    def acquire(self, lane: int, key: Any) -> None:
        _join(self.clock(lane), self.sync.get(key))


_THREADS = {Kind.THREAD_START, Kind.THREAD_BEGIN, Kind.THREAD_END, Kind.JOIN_WOKE}
SHARED = ("mp.", "mgr.", "Pipe#", "item mgr.", "attr mgr.", "attr mp.", "item mp.")


def find(
    events: np.ndarray,
    lanes: list[int],
    kinds: dict[int, Kind],
    names: dict[int, str],
    strings: dict[int, str],
    pids: dict[int, int] | None = None,
) -> list[dict[str, Any]]:
    """Race findings from time-sorted ``events``; ``lanes`` gives each event's lane and
    ``pids`` each lane's process."""
    st = _State()
    pids = pids or {}
    shared: dict[int, bool] = {}
    for row, lane in zip(events, lanes, strict=True):
        kind = kinds.get(int(row["kind"]))
        if kind is None:
            continue
        obj, pid = int(row["obj"]), pids.get(lane, 0)
        known = shared.get(obj)
        if known is None:
            known = shared[obj] = strings.get(obj, "").startswith(SHARED)
        key: Any = obj if known else (pid, obj)
        if kind is Kind.PROCESS_JOINED:
            key = _pid_of(strings.get(obj, ""))
        elif kind in _THREADS:
            arg = int(row["arg"])  # threads by process and serial: names repeat
            key = (pid, "serial", arg) if arg > 0 else (pid, obj)
        _step(st, kind, lane, key, int(row["arg"]), int(row["loc"]), pid)
    return [_finding(f, names, strings) for f in st.found.values()]


def _pid_of(label: str) -> int:
    """The pid in ``process Worker [pid 812]``."""
    try:
        return int(label.rsplit("[pid ", 1)[1].rstrip("]"))
    except (IndexError, ValueError):
        return 0


def _step(st: _State, kind: Kind, lane: int, obj: Any, arg: int, loc: int, pid: int) -> None:
    if kind is Kind.MEM_WRITE or kind is Kind.MEM_READ:
        _access(st, kind is Kind.MEM_WRITE, lane, obj, loc)
    elif kind is Kind.THREAD_START:
        vc = st.clock(lane)
        st.started[obj].append(dict(vc))
        vc[lane] += 1
    elif kind is Kind.THREAD_BEGIN:
        if st.started.get(obj):
            _join(st.clock(lane), st.started[obj].pop(0))
        _join(st.clock(lane), st.process_started.get(pid))  # its process was started
    elif kind is Kind.THREAD_END:
        st.ended[obj] = dict(st.clock(lane))
        _join(st.process_ended.setdefault(pid, {}), st.clock(lane))
    elif kind is Kind.JOIN_WOKE and arg:
        _join(st.clock(lane), st.ended.get(obj))
    elif kind is Kind.PROCESS_START:
        vc = st.clock(lane)
        st.process_started[arg] = dict(vc)
        vc[lane] += 1
    elif kind is Kind.PROCESS_JOINED and arg != -1000:
        _join(st.clock(lane), st.process_ended.get(obj))
    elif kind is Kind.LOCK_ACQUIRED:
        st.acquire(lane, ("lock", obj))
        st.held[lane].add(obj)
    elif kind is Kind.LOCK_RELEASED:
        st.held[lane].discard(obj)
        st.release(lane, ("lock", obj))
    elif kind in (Kind.SEM_RELEASED, Kind.EVENT_SET, Kind.COND_NOTIFY, Kind.QUEUE_DONE):
        st.release(lane, (kind in (Kind.SEM_RELEASED,), obj))
    elif kind is Kind.SEM_ACQUIRED:
        st.acquire(lane, (True, obj))
    elif kind in (Kind.EVENT_WOKE, Kind.COND_WOKE, Kind.QUEUE_JOIN_WOKE):
        st.acquire(lane, (False, obj))
    elif kind is Kind.QUEUE_PUT or kind is Kind.PIPE_SEND:
        st.release(lane, ("item", obj, arg))
    elif kind is Kind.QUEUE_GOT or kind is Kind.PIPE_RECV:
        st.acquire(lane, ("item", obj, arg))
    elif kind is Kind.BARRIER_WAIT:
        st.release(lane, ("barrier", obj))
    elif kind is Kind.BARRIER_WOKE:
        st.acquire(lane, ("barrier", obj))


def _access(st: _State, write: bool, lane: int, obj: Any, loc: int) -> None:
    vc = st.clock(lane)
    locks = frozenset(st.held[lane])
    last = st.last_write.get(obj)
    if last and last[0] != lane and last[1] > vc.get(last[0], 0):
        _report(st, obj, last, (lane, loc, locks), "write", "write" if write else "read")
    if write:
        for other, (tick, other_loc, other_locks) in st.reads[obj].items():
            if other != lane and tick > vc.get(other, 0):
                _report(
                    st,
                    obj,
                    (other, tick, other_loc, other_locks),
                    (lane, loc, locks),
                    "read",
                    "write",
                )
        st.last_write[obj] = (lane, vc[lane], loc, locks)
        st.reads[obj] = {}
    else:
        st.reads[obj][lane] = (vc[lane], loc, locks)


def _report(st: _State, obj: Any, first: tuple, second: tuple, kind1: str, kind2: str) -> None:
    key = (obj, *sorted((first[2], second[1])))
    if key not in st.found:
        st.found[key] = {
            "obj": obj,
            "a": (first[0], first[2], first[3], kind1),
            "b": (second[0], second[1], second[2], kind2),
        }


def _finding(f: dict[str, Any], names: dict[int, str], strings: dict[int, str]) -> dict[str, Any]:
    target = strings.get(_id(f["obj"]), "?")
    accesses = []
    for lane, loc, locks, kind in (f["a"], f["b"]):
        accesses.append(
            {
                "thread": names.get(lane, str(lane)),
                "access": kind,
                "location": strings.get(loc, ""),
                "locks_held": sorted(strings.get(_id(x), str(x)) for x in locks),
            }
        )
    a, b = accesses
    common = set(a["locks_held"]) & set(b["locks_held"])
    return {
        "kind": "data_race",
        "message": (
            f"data race on {target}: {a['thread']} {a['access']}s it at "
            f"{_short(a['location'])} and {b['thread']} {b['access']}s it at "
            f"{_short(b['location'])} with "
            f"{'no common lock' if not common else 'a common lock but no ordering'}"
            " and nothing ordering them"
        ),
        "threads": [a["thread"], b["thread"]],
        "locations": [a["location"], b["location"]],
        "object": target,
        "accesses": accesses,
    }


def _id(key: Any) -> int:
    """The string id of an object key, scoped (pid, id) or shared (id)."""
    return key[1] if isinstance(key, tuple) else key


def _short(location: str) -> str:
    return location.rsplit("/", 1)[-1]
