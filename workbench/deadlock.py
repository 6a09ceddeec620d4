"""The deadlock watchdog: runs in the traced program and speaks up within a second.

Every 100 ms it asks the tracer whether every live thread is blocked in an untimed traced wait.
If so, and nothing has moved for :data:`STABLE_S`, the program can never continue: it reports
the wait-for graph (who waits on what, held by whom) with its cycle when there is one — a lock
cycle, a thread waiting on a lock it holds itself — or, when there is no cycle, the waits that
nobody is left to satisfy (a condition nobody will notify, a queue nobody will fill).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from workbench import aio, aio_idle
from workbench.tracer import INTERNAL_THREAD_PREFIX, WAIT_KINDS, Kind, Tracer, Wait

POLL_S = 0.1
STABLE_S = 0.25


def thread_names() -> dict[int, str]:
    return {t.ident: t.name for t in threading.enumerate() if t.ident is not None}


def holder(tracer: Tracer, wait: Wait) -> int | None:
    """The thread that must act before ``wait`` can end, when one thread can."""
    if wait.kind is Kind.LOCK_WAIT:
        return getattr(wait.owner, "_owner", None)
    if wait.kind is Kind.JOIN_WAIT:
        return wait.owner
    return None


def find_cycle(edges: dict[int, int | None]) -> list[int]:
    """The first cycle in a graph where each node has at most one successor."""
    for start in edges:
        seen: list[int] = []
        node: int | None = start
        while node is not None and node in edges and node not in seen:
            seen.append(node)
            node = edges[node]
        if node is not None and node in seen:
            return seen[seen.index(node) :]
    return []


def describe(tracer: Tracer, stuck: dict[int, Wait]) -> dict[str, Any]:
    """The finding: every blocked thread, what it waits on and where, and the cycle if any."""
    names = thread_names()
    edges = {tid: holder(tracer, w) for tid, w in stuck.items()}
    cycle = find_cycle(edges)
    waits = []
    for tid, w in stuck.items():
        held_by = edges[tid]
        waits.append(
            {
                "thread": names.get(tid, str(tid)),
                "kind": WAIT_KINDS.get(w.kind, str(w.kind)),
                "object": w.obj,
                "holder": names.get(held_by, str(held_by)) if held_by is not None else None,
                "location": w.loc,
                "waiting_s": round((time.perf_counter_ns() - w.since_ns) / 1e9, 3),
            }
        )
    if cycle:
        steps = []
        for tid in cycle:
            w = stuck[tid]
            steps.append(
                f"{names.get(tid, tid)} waits for {w.obj} held by "
                f"{names.get(edges[tid], edges[tid])}"
            )
        message = "deadlock: " + "; ".join(steps)
        if len(cycle) == 1:
            message = (
                f"self-deadlock: {names.get(cycle[0])} waits for {stuck[cycle[0]].obj}, "
                "which it holds itself"
            )
    else:
        parts = [f"{x['thread']} in {x['kind']} on {x['object']}" for x in waits]
        message = "deadlock: every thread waits and none can wake the others: " + ", ".join(parts)
    finding = {
        "kind": "deadlock",
        "message": message,
        "threads": [x["thread"] for x in waits],
        "locations": sorted({x["location"] for x in waits if x["location"]}),
        "waits": waits,
        "cycle": [names.get(tid, str(tid)) for tid in cycle],
    }
    for wait in stuck.values():
        if wait.kind is Kind.LOOP_IDLE:
            _add_tasks(finding, wait.owner)
    return finding


def _add_tasks(finding: dict[str, Any], loop: Any) -> None:
    """An idle event loop's part of a deadlock: each task's await, as a wait of its lane, and
    the cycle of tasks waiting for each other's asyncio locks."""
    waits, edges = aio_idle.task_waits(loop)
    finding["waits"] += waits
    finding["threads"] += [w["thread"] for w in waits]
    finding["locations"] = sorted({*finding["locations"], *(w["location"] for w in waits)} - {""})
    cycle = find_cycle(edges)
    by_lane = {w["thread"]: w for w in waits}
    if cycle:
        finding["cycle"] = cycle
        steps = [f"{n} waits for {by_lane[n]['object']} held by {edges[n]}" for n in cycle]
        finding["message"] = "deadlock among asyncio tasks: " + "; ".join(steps)
    elif waits and len(finding["waits"]) == len(waits) + 1:
        parts = [f"{w['thread']} awaits {_what(w)}" for w in waits]
        finding["message"] = (
            "deadlock: the event loop is idle and no task can wake another: " + ", ".join(parts)
        )


def _what(wait: dict[str, Any]) -> str:
    return "a future" if wait["kind"] == "future" else f"{wait['kind']} {wait['object']}"


class Watchdog:
    """A daemon thread that reports one deadlock through ``report`` (and samples where
    long-running event-loop callbacks are, for :mod:`workbench.aio`)."""

    def __init__(self, tracer: Tracer, report: Callable[[dict[str, Any]], None]) -> None:
        self.tracer = tracer
        self.report = report
        self.thread = threading.Thread(
            target=self._loop, daemon=True, name=f"{INTERNAL_THREAD_PREFIX}watchdog"
        )

    def start(self) -> Watchdog:
        """Start before tracing is installed, so the watchdog itself is never traced."""
        self.thread.start()
        return self

    def _loop(self) -> None:
        since: float | None = None
        mark = -1
        reported = False
        while True:
            _real_sleep(POLL_S)
            aio.sample()
            stuck = self.tracer.blocked()
            if stuck is None or _signal_may_wake():
                since = None
                continue
            if since is None or self.tracer.progress_epoch != mark:
                since, mark = time.monotonic(), self.tracer.progress_epoch
                continue
            if time.monotonic() - since >= STABLE_S and not reported:
                self.report(describe(self.tracer, stuck))
                reported = True  # keep sampling the event loop until the run is ended


def _signal_may_wake() -> bool:
    """A signal handler may still set the event or release the lock everyone waits on: while
    a SIGALRM timer is armed (``signal.alarm``, ``setitimer``), or while the program has its
    own handler installed and a live child process that may send it (a child that says it is
    ready with ``os.kill(parent, SIGUSR1)``), nobody is stuck for good."""
    if signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        return True
    handlers = [signal.getsignal(s) for s in signal.valid_signals()]
    if not any(callable(h) and h is not signal.default_int_handler for h in handlers):
        return False
    import psutil

    try:
        children = psutil.Process().children()
        return any(c.status() != psutil.STATUS_ZOMBIE for c in children)
    except psutil.Error:
        return True


_real_sleep = time.sleep  # captured before tracing patches time.sleep
