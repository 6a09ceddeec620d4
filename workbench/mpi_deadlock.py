"""MPI deadlock: every rank blocked in an MPI call that nothing left can complete.

No rank can see that alone, so the work is split. In each rank a :class:`RankWatch` thread
reports the call the rank has been blocked in for a moment (kind, peer, tag, size, file:line),
and that it finished. In the controller, :class:`JobWatch` holds the latest report of every
rank and gives a verdict when all ranks are blocked or finished, nothing changed for
:data:`STABLE_S`, and no blocked call has a partner that could complete it (a send whose
receiver is blocked receiving from it, a collective that every member has entered).
"""

from __future__ import annotations

import pickle
import threading
import time
from typing import Any

from workbench.deadlock import find_cycle
from workbench.mpi_events import unpack

BLOCKED_AFTER_S = 0.2  # a call this old is reported as blocked
POLL_S = 0.1
STABLE_S = 0.3
STATE = "mpi_state"  # the message kind a rank sends
ANY = -2  # any source (MPI_ANY_SOURCE in MPICH; only the meaning matters here)
SENDS = {"send", "ssend", "Send", "Ssend", "sendrecv", "Sendrecv", "wait.send"}
RECVS = {"recv", "Recv", "sendrecv", "Sendrecv", "wait.recv"}
P2P = SENDS | RECVS


class RankWatch:
    """In a rank: reports through ``report(kind, payload)`` the call it is blocked in."""

    def __init__(self, recorder: Any, report: Any) -> None:
        self.recorder = recorder
        self.report = report
        self._stop = threading.Event()
        self._last: Any = None
        # True while the rank waits in the run host's own barrier: its program has returned
        self.outside = False
        self.thread = threading.Thread(target=self._loop, name="workbench-mpi-watch", daemon=True)

    def start(self) -> RankWatch:
        self.thread.start()
        return self

    def _loop(self) -> None:
        while not self._stop.wait(POLL_S):
            current = self.recorder.current
            if current and time.perf_counter_ns() - current[3] < BLOCKED_AFTER_S * 1e9:
                current = None
            outside = self.outside
            state = blocked_call(self.recorder.rank, current) if current and not outside else None
            if state:
                state["pending"] = pending_requests(self.recorder)
            key = "outside" if outside else (current[3], current[0]) if current else None
            if key != self._last:
                self._last = key
                self.report(
                    STATE, {"rank": self.recorder.rank, "blocked": state, "finished": outside}
                )

    def finished(self) -> None:
        """The rank's program returned: report it, so waits on this rank count as hopeless."""
        self._stop.set()
        self.report(STATE, {"rank": self.recorder.rank, "blocked": None, "finished": True})


def blocked_call(rank: int, current: tuple) -> dict[str, Any]:
    """A rank's blocked call, with its peers as world ranks."""
    call, comm, arg, since, loc, obj, extra = current
    peer, tag, size = unpack(arg)
    members = comm._wb_members

    def world(r: int) -> int:
        return members[r] if 0 <= r < len(members) else ANY if r == -2 or r == -1 else r

    if size < 0 and obj is not None:
        try:
            size = len(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))
        except Exception:
            size = -1
    state = {
        "rank": rank,
        "call": call,
        "comm": comm._wb_name,
        "members": list(members),
        "peer": world(peer) if call in P2P or peer >= 0 else None,
        "tag": tag,
        "size": size,
        "location": loc,
        "waiting_s": round((time.perf_counter_ns() - since) / 1e9, 3),
    }
    if extra and call in ("sendrecv", "Sendrecv"):
        state["source"], state["recvtag"] = world(extra[0]), extra[1]
    return state


def pending_requests(recorder: Any) -> list[list[Any]]:
    """A rank's posted, not yet completed isend/irecv: ``[call, world peer, tag]`` each."""
    found = []
    for call, comm, peer, tag in recorder.pending.copy().values():  # copy: one C call
        members = comm._wb_members
        found.append([call, members[peer] if 0 <= peer < len(members) else ANY, tag])
    return found


def _sends(s: dict[str, Any]) -> tuple[int, int] | None:
    if s["call"] in SENDS:
        return s["peer"], s["tag"]
    return None


def _receives(s: dict[str, Any]) -> tuple[int, int] | None:
    if s["call"] in ("sendrecv", "Sendrecv"):
        return s["source"], s["recvtag"]
    if s["call"] in RECVS:
        return s["peer"], s["tag"]
    return None


def _matches(want: int, got: int) -> bool:
    return want in (got, ANY, -1)


def can_complete(s: dict[str, Any], states: dict[int, dict[str, Any]]) -> bool:
    """Whether another blocked rank is in the call that completes ``s``."""
    if s["call"] not in P2P:  # a collective: complete once every member is in it
        return all(
            m in states and states[m]["call"] == s["call"] and states[m]["comm"] == s["comm"]
            for m in s["members"]
        )
    send, recv = _sends(s), _receives(s)
    for other in states.values():
        if other is s:
            continue
        got, gave = _receives(other), _sends(other)
        if send and got and other["rank"] == send[0] and _matches(got[0], s["rank"]):
            if _matches(got[1], send[1]):
                return True
        if recv and gave and _matches(recv[0], other["rank"]) and gave[0] == s["rank"]:
            if _matches(recv[1], gave[1]):
                return True
        for call, peer, tag in other.get("pending", ()):  # a posted isend/irecv completes it
            if call == "isend" and recv and peer == s["rank"]:
                if _matches(recv[0], other["rank"]) and _matches(recv[1], tag):
                    return True
            if call == "irecv" and send and other["rank"] == send[0]:
                if _matches(peer, s["rank"]) and _matches(tag, send[1]):
                    return True
    return False


class JobWatch:
    """In the controller: the latest state of every rank, and the verdict."""

    def __init__(self, ranks: int) -> None:
        self.ranks = ranks
        self.states: dict[int, dict[str, Any] | None] = {}
        self.finished: set[int] = set()
        self.changed = time.monotonic()

    def update(self, payload: dict[str, Any]) -> None:
        self.states[payload["rank"]] = payload["blocked"]
        if payload.get("finished"):
            self.finished.add(payload["rank"])
        else:
            self.finished.discard(payload["rank"])
        self.changed = time.monotonic()

    def verdict(self) -> dict[str, Any] | None:
        """The deadlock finding, or None while any rank may still move."""
        if time.monotonic() - self.changed < STABLE_S:
            return None
        blocked = {r: s for r, s in self.states.items() if s}
        if not blocked or len(blocked) + len(self.finished - set(blocked)) < self.ranks:
            return None
        if any(can_complete(s, blocked) for s in blocked.values()):
            return None
        return finding(blocked, self.finished)


def _words(s: dict[str, Any]) -> str:
    peer = s["peer"]
    who = "" if peer is None else f" {'any rank' if peer == ANY else f'rank {peer}'}"
    direction = " to" if _sends(s) and s["call"] not in ("sendrecv", "Sendrecv") else " from"
    if s["call"] not in P2P:
        direction, who = "", f" ({s['comm'].split(' [')[0]})"
    size = f", {s['size']} B" if s["size"] >= 0 else ""
    tag = f" tag {s['tag']}" if s["call"] in P2P else ""
    return f"rank {s['rank']} in {s['call']}{direction}{who}{tag}{size}"


def _object(rank: int, s: dict[str, Any], peer: int | None) -> str:
    """What a rank waits on, named apart from every other rank's wait."""
    if peer is None:
        return f"{s['call']} on {s['comm'].split(' [')[0]}"
    arrow = "→" if _sends(s) and s["call"] not in ("sendrecv", "Sendrecv") else "←"
    return f"{s['call']} rank {rank} {arrow} rank {peer}"


def finding(blocked: dict[int, dict[str, Any]], finished: set[int]) -> dict[str, Any]:
    """The deadlock finding in the shape the tracing findings use (threads = ranks): each
    rank's blocked call, and the cycle of ranks waiting for each other when there is one."""
    ranks = sorted(blocked)
    edges = {
        r: s["peer"] if s["call"] in P2P and s["peer"] is not None and s["peer"] >= 0 else None
        for r, s in blocked.items()
    }
    cycle = find_cycle(edges)
    message = "MPI deadlock: every rank is blocked and no call can complete: " + "; ".join(
        _words(blocked[r]) for r in ranks
    )
    if finished:
        message += f" (finished already: ranks {sorted(finished)})"
    waits = [
        {
            "thread": f"rank {r}",
            "kind": blocked[r]["call"],
            "object": _object(r, blocked[r], edges[r]),
            "peer": blocked[r]["peer"],
            "tag": blocked[r]["tag"],
            "size": blocked[r]["size"],
            "holder": f"rank {edges[r]}" if edges[r] is not None else None,
            "location": blocked[r]["location"],
            "waiting_s": blocked[r]["waiting_s"],
        }
        for r in ranks
    ]
    return {
        "kind": "deadlock",
        "mpi": True,
        "message": message,
        "threads": [f"rank {r}" for r in ranks],
        "locations": sorted({w["location"] for w in waits if w["location"]}),
        "waits": waits,
        "cycle": [f"rank {r}" for r in cycle],
    }
