"""What a recorded trace says: findings, lock and thread statistics, and the timeline's shapes.

One pass over the events in time order keeps, per thread, the locks it holds and the wait it is
in. From that come the lock statistics (acquisitions, contention, waits, holds), the per-thread
running / waiting / sleeping times, the lock-order graph (an edge A→B each time a thread takes
B while holding A; a cycle whose edges come from different threads is a lock-order inversion,
even if this run was lucky), misuse reported by the primitives, and the spans, holds and arrows
the timeline draws.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from workbench import races
from workbench.tracer import Kind

STATES = {  # timeline state codes; 0 = running (no span)
    Kind.LOCK_WAIT: 1,
    Kind.COND_WAIT: 2,
    Kind.EVENT_WAIT: 3,
    Kind.QUEUE_GET_WAIT: 4,
    Kind.QUEUE_PUT_WAIT: 4,
    Kind.QUEUE_JOIN_WAIT: 4,
    Kind.JOIN_WAIT: 5,
    Kind.BARRIER_WAIT: 6,
    Kind.SLEEP: 7,
    Kind.SEM_WAIT: 8,
    Kind.PROCESS_JOIN: 5,
    Kind.PIPE_WAIT: 4,
    Kind.AIO_WAIT: 12,
    Kind.CL_KERNEL: 10,
    Kind.CL_COPY: 11,
}
STATE_NAMES = {
    0: "running",
    1: "waiting for a lock",
    2: "waiting on a condition",
    3: "waiting for an event",
    4: "waiting on a queue or pipe",
    5: "joining a thread or process",
    6: "waiting at a barrier",
    7: "sleeping",
    8: "waiting on a semaphore",
    9: "blocking the event loop",
    10: "device: kernel",
    11: "device: transfer",
    12: "awaiting",
    13: "in an MPI send/receive",  # 13-16: workbench.mpi_analysis
    14: "MPI: waiting for a late sender",
    15: "in an MPI collective",
    16: "MPI: waiting at a collective for the last rank",
}
ENDS = {
    Kind.LOCK_WOKE,
    Kind.COND_WOKE,
    Kind.EVENT_WOKE,
    Kind.QUEUE_WOKE,
    Kind.JOIN_WOKE,
    Kind.BARRIER_WOKE,
    Kind.SLEEP_END,
    Kind.SEM_WOKE,
    Kind.QUEUE_JOIN_WOKE,
    Kind.CL_END,
    Kind.PROCESS_JOINED,
    Kind.AIO_WOKE,
    Kind.PIPE_WOKE,
}
SPAN_DTYPE = np.dtype(
    [
        ("lane", "<i4"),
        ("start", "<i8"),
        ("end", "<i8"),
        ("state", "<i1"),
        ("obj", "<i4"),
        ("loc", "<i4"),
    ]
)
HOLD_DTYPE = np.dtype(
    [("lane", "<i4"), ("start", "<i8"), ("end", "<i8"), ("obj", "<i4"), ("loc", "<i4")]
)
ARROW_DTYPE = np.dtype(
    [
        ("kind", "<i1"),
        ("t_from", "<i8"),
        ("lane_from", "<i4"),
        ("t_to", "<i8"),
        ("lane_to", "<i4"),
        ("obj", "<i4"),
    ]
)
ARROW_KINDS = {
    1: "release → acquire",
    2: "put → get, send → recv",
    3: "set → wait",
    4: "notify → wake",
    5: "MPI message",
}


@dataclass
class Timeline:
    """The shapes a timeline draws, in ns since ``t0_ns``; ``strings`` names obj/loc ids."""

    t0_ns: int
    t1_ns: int
    lanes: list[dict[str, Any]]
    spans: np.ndarray
    holds: np.ndarray
    arrows: np.ndarray
    strings: dict[int, str]
    mpi: dict[str, Any] | None = None  # messages, collectives, matrices (mpi_analysis)


@dataclass
class Analysis:
    findings: list[dict[str, Any]] = field(default_factory=list)
    locks: list[dict[str, Any]] = field(default_factory=list)
    threads: list[dict[str, Any]] = field(default_factory=list)
    timeline: Timeline | None = None
    mpi: dict[str, Any] | None = None

    def stats(self, events: int, dropped: int) -> dict[str, Any]:
        out = {"events": events, "dropped": dropped, "threads": self.threads, "locks": self.locks}
        if self.mpi:
            from workbench.mpi_analysis import public

            out["mpi"] = public(self.mpi)
        return out


class _Pass:
    """The state of one pass over the events."""

    def __init__(self, strings: dict[int, str]) -> None:
        self.s = strings
        self.lanes: dict[tuple[int, int], int] = {}
        self.lane_info: list[dict[str, Any]] = []
        self.held: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)  # lane→lock→(t,loc)
        self.waiting: dict[int, list[tuple[Kind, int, int, int]]] = defaultdict(list)
        self.spans: list[tuple] = []
        self.holds: list[tuple] = []
        self.arrows: list[tuple] = []
        self.lock = defaultdict(
            lambda: {
                "acquisitions": 0,
                "contended": 0,
                "wait_ns": 0,
                "max_wait_ns": 0,
                "hold_ns": 0,
                "max_hold_ns": 0,
                "holders": set(),
            }
        )
        # (scope, A, B) → {(lane, guards): (locA, locB)}; scope is the pid unless both locks
        # are shared by processes: a forked child's copy of a threading lock is not its
        # parent's lock. ``guards`` are the other locks the lane held: two orders taken under
        # a common guard (a "gate" lock) can never wait for each other.
        self.order: dict[tuple[int, int, int], dict[tuple[int, frozenset[int]], tuple[int, int]]]
        self.order = defaultdict(dict)
        self.shared: dict[int, bool] = {}
        self.last_release: dict[int, tuple[int, int]] = {}
        self.last_set: dict[int, tuple[int, int]] = {}
        self.last_notify: dict[int, tuple[int, int]] = {}
        self.puts: dict[tuple[int, int], tuple[int, int]] = {}
        self.misuse: dict[tuple[int, int], int] = {}
        self.blocked: list[tuple[int, int, int, int]] = []  # lane, callback, ns, loc
        self.ended: set[int] = set()
        self.processes: dict[int, str] = {}  # pid -> multiprocessing's name for it
        self.sleep_ns: dict[int, int] = defaultdict(int)
        self.wait_ns: dict[int, int] = defaultdict(int)

    def lane(self, pid: int, tid: int, t: int, new: bool = False) -> int:
        """The lane of this thread; ``new`` at a thread's begin, because the OS reuses the
        ident of a finished thread for the next one."""
        key = (pid, tid)
        if key not in self.lanes or new:
            self.lanes[key] = len(self.lane_info)
            self.lane_info.append(
                {"pid": pid, "tid": tid, "name": f"thread {tid}", "start": t, "end": t}
            )
        index = self.lanes[key]
        self.lane_info[index]["end"] = t
        return index


def analyze(events: np.ndarray, strings: dict[int, str], end_ns: int | None = None) -> Analysis:
    """Findings, statistics and timeline shapes of one trace (events in any order).

    ``end_ns`` is when the run ended (``perf_counter_ns``, the same clock on Linux for every
    process): waits still open then — a deadlock — last until it, not until the last event.
    """
    if len(events) == 0:
        return Analysis(timeline=None)
    ev = np.sort(events, order="t_ns", kind="stable")
    kinds = {i: Kind(text) for i, text in strings.items() if text in Kind._value2member_map_}
    p = _Pass(strings)
    lanes = []
    for row in ev:
        kind = kinds.get(int(row["kind"]))
        if kind is None:
            lanes.append(-1)
            continue
        t = int(row["t_ns"])
        lane = p.lane(int(row["pid"]), int(row["tid"]), t, kind is Kind.THREAD_BEGIN)
        lanes.append(lane)
        _step(p, kind, t, lane, row)
    _name_processes(p)
    t0, t1 = int(ev["t_ns"][0]), max(int(ev["t_ns"][-1]), end_ns or 0)
    for lane, waits in p.waiting.items():  # still waiting at the end: the span runs to the end
        for kind, obj, start, loc in waits:
            p.spans.append((lane, start, t1, STATES[kind], obj, loc))
            (p.sleep_ns if kind is Kind.SLEEP else p.wait_ns)[lane] += t1 - start
    for lane, info in enumerate(p.lane_info):
        if lane not in p.ended:  # alive when the trace stopped (a deadlock, a timeout)
            info["end"] = t1
    for lane, held in p.held.items():
        for obj, (start, loc) in held.items():
            p.holds.append((lane, start, t1, obj, loc))
    result = Analysis()
    result.findings = _inversions(p) + _misuse(p) + _loop_blocked(p)
    if any(k in (Kind.MEM_READ, Kind.MEM_WRITE) for k in kinds.values()):
        names = {i: info["name"] for i, info in enumerate(p.lane_info)}
        pids = {i: info["pid"] for i, info in enumerate(p.lane_info)}
        result.findings += races.find(ev, lanes, kinds, names, strings, pids)
    if any(text.startswith("mpi.") for text in strings.values()):
        _mpi(result, ev, strings, p, t1)
    result.locks = _lock_table(p)
    result.threads = _thread_table(p)
    result.timeline = Timeline(
        t0,
        t1,
        p.lane_info,
        _array(p.spans, SPAN_DTYPE, t0, ("start", "end")),
        _array(p.holds, HOLD_DTYPE, t0, ("start", "end")),
        _array(p.arrows, ARROW_DTYPE, t0, ("t_from", "t_to")),
        strings,
        result.mpi,
    )
    if result.mpi:  # one lane per rank, in rank order
        from workbench.mpi_analysis import rank_order

        result.timeline = rank_order(result.timeline)
    return result


def _name_processes(p: _Pass) -> None:
    """A child process's lanes say whose they are: ``MainThread [ForkProcess-1, pid 812]``."""
    first = p.lane_info[0]["pid"] if p.lane_info else 0
    for info in p.lane_info:
        pid, name = info["pid"], info["name"]
        if pid == first or name.startswith(("OpenCL queue", "rank ")):  # ranks are named
            continue
        process = p.processes.get(pid)
        info["name"] = f"{name} [{process}, pid {pid}]" if process else f"{name} [pid {pid}]"


def _mpi(result: Analysis, ev: np.ndarray, strings: dict[int, str], p: _Pass, t1: int) -> None:
    """An MPI run's messages and collectives: their spans and arrows join the timeline's."""
    from workbench import mpi_analysis

    result.mpi = mpi_analysis.analyze(ev, strings)
    if result.mpi:
        spans, arrows = mpi_analysis.timeline_shapes(result.mpi, p.lanes, t1, strings)
        p.spans += spans
        p.arrows += arrows


def _array(rows: list[tuple], dtype: np.dtype, t0: int, times: tuple[str, ...]) -> np.ndarray:
    out = np.array(rows, dtype=dtype) if rows else np.zeros(0, dtype=dtype)
    for name in times:
        out[name] -= t0
    return out


def _step(p: _Pass, kind: Kind, t: int, lane: int, row: np.void) -> None:
    obj, arg, loc = int(row["obj"]), int(row["arg"]), int(row["loc"])
    if kind is Kind.THREAD_BEGIN:
        p.lane_info[lane]["name"] = p.s.get(obj, p.lane_info[lane]["name"])
        p.lane_info[lane]["start"] = t
    elif kind is Kind.PROCESS_NAME:
        p.processes[p.lane_info[lane]["pid"]] = p.s.get(obj, "")
    elif kind is Kind.THREAD_END:
        p.ended.add(lane)
    elif kind in STATES:
        p.waiting[lane].append((kind, obj, t, loc))
    elif kind in ENDS:
        _end_wait(p, kind, t, lane, obj)
    elif kind is Kind.LOCK_ACQUIRED:
        _acquired(p, t, lane, obj, arg, loc)
    elif kind is Kind.LOCK_RELEASED:
        start = p.held[lane].pop(obj, None)
        if start is not None:
            hold = t - start[0]
            stats = p.lock[obj]
            stats["hold_ns"] += hold
            stats["max_hold_ns"] = max(stats["max_hold_ns"], hold)
            p.holds.append((lane, start[0], t, obj, start[1]))
        p.last_release[obj] = (t, lane)
    elif kind is Kind.EVENT_SET:
        p.last_set[obj] = (t, lane)
    elif kind is Kind.COND_NOTIFY:
        p.last_notify[obj] = (t, lane)
    elif kind is Kind.QUEUE_PUT or kind is Kind.PIPE_SEND:
        p.puts[(obj, arg)] = (t, lane)
    elif kind is Kind.QUEUE_GOT or kind is Kind.PIPE_RECV:
        put = p.puts.pop((obj, arg), None)
        if put and put[1] != lane:
            p.arrows.append((2, put[0], put[1], t, lane, obj))
    elif kind is Kind.MISUSE:
        p.misuse.setdefault((obj, arg), loc)
    elif kind is Kind.LOOP_BLOCKED:
        p.spans.append((lane, t - arg, t, 9, obj, loc))
        p.blocked.append((lane, obj, arg, loc))


def _end_wait(p: _Pass, kind: Kind, t: int, lane: int, obj: int) -> None:
    stack = p.waiting.get(lane)
    if not stack:
        return
    wait_kind, wait_obj, start, loc = stack.pop()
    p.spans.append((lane, start, t, STATES[wait_kind], wait_obj, loc))
    if wait_kind is Kind.SLEEP:
        p.sleep_ns[lane] += t - start
    else:
        p.wait_ns[lane] += t - start
    if wait_kind is Kind.LOCK_WAIT:
        stats = p.lock[wait_obj]
        stats["wait_ns"] += t - start
        stats["max_wait_ns"] = max(stats["max_wait_ns"], t - start)
    source = {
        Kind.LOCK_WAIT: (p.last_release, 1),
        Kind.EVENT_WAIT: (p.last_set, 3),
        Kind.COND_WAIT: (p.last_notify, 4),
    }.get(wait_kind)
    if source:
        last = source[0].get(wait_obj)
        if last and last[1] != lane and start <= last[0] <= t:
            p.arrows.append((source[1], last[0], last[1], t, lane, wait_obj))


def _acquired(p: _Pass, t: int, lane: int, obj: int, waited: int, loc: int) -> None:
    stats = p.lock[obj]
    stats["acquisitions"] += 1
    stats["contended"] += waited
    stats["holders"].add(lane)
    held = p.held[lane]
    for other, (_, other_loc) in held.items():
        if other != obj:
            both = _is_shared(p, other) and _is_shared(p, obj)
            scope = -1 if both else p.lane_info[lane]["pid"]
            guards = frozenset(g for g in held if g != other)
            p.order[(scope, other, obj)].setdefault((lane, guards), (other_loc, loc))
    held[obj] = (t, loc)


def _is_shared(p: _Pass, obj: int) -> bool:
    """One object in every process (a multiprocessing or Manager lock), not a per-process copy."""
    found = p.shared.get(obj)
    if found is None:
        found = p.shared[obj] = p.s.get(obj, "").startswith(races.SHARED)
    return found


def _name(p: _Pass, lane: int) -> str:
    return p.lane_info[lane]["name"]


def _inversions(p: _Pass) -> list[dict[str, Any]]:
    """Pairs of locks taken in both orders by different threads (the classic AB/BA)."""
    findings = []
    for (scope, a, b), takes in list(p.order.items()):
        back = p.order.get((scope, b, a))
        if back is None or a > b:
            continue
        pair = next(
            (
                (lane_ab, locs, lane_ba, back_locs)
                for (lane_ab, guards_ab), locs in takes.items()
                for (lane_ba, guards_ba), back_locs in back.items()
                if lane_ab != lane_ba and not _common_guard(p, guards_ab, guards_ba, scope)
            ),
            None,
        )
        if pair is None:
            continue
        lane_ab, (loc_a, loc_b), lane_ba, (loc_b2, loc_a2) = pair
        la, lb = p.s.get(a, str(a)), p.s.get(b, str(b))
        findings.append(
            {
                "kind": "lock_order_inversion",
                "message": (
                    f"{la} and {lb} are taken in both orders: {_name(p, lane_ab)} takes "
                    f"{lb} while holding {la}, {_name(p, lane_ba)} takes {la} while holding "
                    f"{lb}; with unlucky timing each waits for the other"
                ),
                "threads": [_name(p, lane_ab), _name(p, lane_ba)],
                "locks": [la, lb],
                "locations": [p.s.get(x, "") for x in (loc_a, loc_b, loc_b2, loc_a2)],
            }
        )
    return findings


def _common_guard(
    p: _Pass, guards_ab: frozenset[int], guards_ba: frozenset[int], scope: int
) -> bool:
    """Were both orders taken under one lock? Across processes (scope -1) only a lock shared by
    the processes guards; a threading lock of the same name is each process's own copy."""
    common = guards_ab & guards_ba
    return any(scope != -1 or _is_shared(p, g) for g in common)


def _misuse(p: _Pass) -> list[dict[str, Any]]:
    return [
        {
            "kind": "lock_misuse",
            "message": f"{p.s.get(obj, obj)} {p.s.get(msg, '')}",
            "threads": [],
            "locks": [p.s.get(obj, str(obj))],
            "locations": [p.s.get(loc, "")],
        }
        for (obj, msg), loc in p.misuse.items()
    ]


def _loop_blocked(p: _Pass) -> list[dict[str, Any]]:
    """One finding per place that blocked the event loop, with how often and how long."""
    by_place: dict[tuple[int, int], list[int]] = defaultdict(list)
    lanes: dict[tuple[int, int], int] = {}
    for lane, obj, took, loc in p.blocked:
        by_place[(obj, loc)].append(took)
        lanes[(obj, loc)] = lane
    findings = []
    for (obj, loc), times in by_place.items():
        where = p.s.get(loc, "")
        findings.append(
            {
                "kind": "loop_blocked",
                "message": (
                    f"{p.s.get(obj, obj)} blocked the event loop {len(times)} time(s), "
                    f"up to {max(times) / 1e6:.0f} ms, at {where.rsplit('/', 1)[-1]}: "
                    "every other task and callback waited (use await, or run_in_executor)"
                ),
                "threads": [_name(p, lanes[(obj, loc)])],
                "locations": [where],
                "count": len(times),
                "max_s": max(times) / 1e9,
                "total_s": sum(times) / 1e9,
            }
        )
    return findings


def _lock_table(p: _Pass) -> list[dict[str, Any]]:
    rows = []
    for obj, st in p.lock.items():
        rows.append(
            {
                "lock": p.s.get(obj, str(obj)),
                "acquisitions": st["acquisitions"],
                "contended": st["contended"],
                "wait_s": st["wait_ns"] / 1e9,
                "max_wait_s": st["max_wait_ns"] / 1e9,
                "hold_s": st["hold_ns"] / 1e9,
                "max_hold_s": st["max_hold_ns"] / 1e9,
                "holders": sorted(_name(p, lane) for lane in st["holders"]),
            }
        )
    return sorted(rows, key=lambda r: -r["wait_s"])


def _thread_table(p: _Pass) -> list[dict[str, Any]]:
    rows = []
    for lane, info in enumerate(p.lane_info):
        life = info["end"] - info["start"]
        waiting, sleeping = p.wait_ns[lane], p.sleep_ns[lane]
        rows.append(
            {
                "thread": info["name"],
                "pid": info["pid"],
                "running_s": max(0, life - waiting - sleeping) / 1e9,
                "waiting_s": waiting / 1e9,
                "sleeping_s": sleeping / 1e9,
            }
        )
    return rows
