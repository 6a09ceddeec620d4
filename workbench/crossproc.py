"""Deadlocks across processes, decided in the controller, the one place that sees them all.

Each traced process reports its wait state whenever it changes (:mod:`workbench.wait_report`).
The run is deadlocked when every live process of it is stuck — each of its threads in an
untimed wait, or polling a join — and the states have not changed for :data:`STABLE_S`, and
two looks at ``/proc`` :data:`CONFIRM_S` apart find no thread running and no CPU time spent.
Anything we cannot see vetoes it: a process that is not traced or has not reported yet, a
thread in untraced code, a timed wait, an armed ``SIGALRM`` timer. A Manager's server (it
said so), multiprocessing's resource tracker and fork server, and zombies are no parties.

The finding names every process's threads with what they wait on, and the cycle through shared
locks (the thread that holds them, in whichever process), joins (a parent joining a child) and
pipes (the process that holds the other end) when there is one.
"""

from __future__ import annotations

import os
from typing import Any

import psutil

from workbench.child_trace import SERVICES
from workbench.deadlock import find_cycle

STABLE_S = 0.3
CONFIRM_S = 0.2


def label(state: dict[str, Any], thread: dict[str, Any]) -> str:
    return f"{thread['name']} [{state['process']}, pid {state['pid']}]"


class CrossProcess:
    """Fed every ``Msg.WAITS``; ``check()`` is called often and answers a finding once."""

    def __init__(self, root_pid: int) -> None:
        self.root = root_pid
        self.states: dict[int, dict[str, Any]] = {}
        self.servers: set[int] = set()
        self.changed = 0.0
        self.first: tuple[float, dict[int, int]] | None = None
        self.reported = False
        self._service: dict[int, bool] = {}

    def update(self, state: dict[str, Any], now: float) -> None:
        pid = state["pid"]
        if pid in self.servers:
            return  # a report that crossed the server's "I am a server"
        if state.get("server"):
            self.servers.add(pid)
            self.states.pop(pid, None)
        else:
            self.states[pid] = state
        self.changed = now
        self.first = None

    def check(self, now: float) -> dict[str, Any] | None:
        """The deadlock finding the first time the run is provably stuck, else None."""
        if self.reported or not self.states or now - self.changed < STABLE_S:
            return None
        for pid in [pid for pid, s in self.states.items() if not _stuck(s)]:
            if _alive(pid):
                return None  # cheap: no process enumeration while anyone moves
            del self.states[pid]  # its last report before it exited
        pids = self._live()
        if not pids or not any(
            th.get("external") for pid in pids for th in self.states[pid]["threads"]
        ):
            self.first = None  # nothing crosses processes: the in-process watchdogs decide
            return None
        look = _look(pids, self.states)
        if look is None:
            self.first = None
            return None
        if self.first is None or self.first[1] != look:
            self.first = (now, look)
            return None
        if now - self.first[0] < CONFIRM_S:
            return None
        self.reported = True
        return describe([self.states[pid] for pid in pids])

    def _live(self) -> list[int] | None:
        """The pids of the run's processes that are parties, or None if one is unknown."""
        try:
            root = psutil.Process(self.root)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return None
        pids = []
        for proc in procs:
            try:
                if proc.pid in self.servers or proc.status() == psutil.STATUS_ZOMBIE:
                    continue
                if self._is_service(proc):
                    continue
            except psutil.Error:
                continue  # gone since we listed it
            if proc.pid not in self.states:
                return None  # untraced, or not reported yet
            pids.append(proc.pid)
        return pids

    def _is_service(self, proc: psutil.Process) -> bool:
        found = self._service.get(proc.pid)
        if found is None:
            command = " ".join(proc.cmdline())
            found = self._service[proc.pid] = any(s in command for s in SERVICES)
        return found


def _stuck(state: dict[str, Any]) -> bool:
    return not state["alarm"] and all(th["state"] == "stuck" for th in state["threads"])


def _alive(pid: int) -> bool:
    """Running or asleep, not gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _look(pids: list[int], states: dict[int, dict[str, Any]]) -> dict[int, int] | None:
    """CPU ticks per process over its program threads, or None if one of them is running."""
    ticks = {}
    for pid in pids:
        internal = set(states[pid]["internal"])
        total = 0
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return None
        for task in tasks:
            if int(task) in internal:
                continue
            try:
                with open(f"/proc/{pid}/task/{task}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the thread ended
            if fields[0] == "R":
                return None
            total += int(fields[11]) + int(fields[12])  # utime + stime
        ticks[pid] = total
    return ticks


def _holder(
    thread: dict[str, Any], state: dict[str, Any], states: list[dict[str, Any]]
) -> str | None:
    """The thread (in any process) that must act before ``thread``'s wait can end."""
    kind = thread.get("kind")
    if thread.get("external") and kind == "lock":
        for other in states:
            for th in other["threads"]:
                if thread["object"] in th["held"]:
                    return label(other, th)
    if thread.get("holder_tid") is not None:
        for th in state["threads"]:
            if th["tid"] == thread["holder_tid"]:
                return label(state, th)
    if kind == "process join":
        for other in states:
            if other["pid"] == thread.get("joins_pid") and other["threads"]:
                return label(other, other["threads"][0])
    if kind == "pipe" and thread.get("peer_end"):
        holders = [s for s in states if thread["peer_end"] in s["ends"]]
        holders.sort(key=lambda s: s["pid"] == state["pid"])  # another process first
        if holders:
            other = holders[0]
            pipe = [th for th in other["threads"] if th.get("kind") == "pipe"]
            return label(other, (pipe or other["threads"])[0])
    return None


def _step(name: str, wait: dict[str, Any], holder: str | None) -> str:
    if wait["kind"] == "pipe":
        return f"{name} waits to receive on {wait['object']}, which only {holder} can send"
    if wait["kind"] == "process join":
        return f"{name} joins {holder}"
    return f"{name} waits for {wait['object']} held by {holder}"


def describe(states: list[dict[str, Any]]) -> dict[str, Any]:
    """The finding, in the shape of the in-process one: waits, the cycle, the message."""
    waits, edges = [], {}
    for state in states:
        for th in state["threads"]:
            me = label(state, th)
            held_by = _holder(th, state, states)
            edges[me] = held_by
            waits.append(
                {
                    "thread": me,
                    "kind": th.get("kind", "?"),
                    "object": th.get("object", "?"),
                    "holder": held_by,
                    "location": th.get("location", ""),
                    "process": state["process"],
                    "pid": state["pid"],
                    "held": th["held"],
                }
            )
    cycle = find_cycle(edges)
    if cycle:
        by_thread = {w["thread"]: w for w in waits}
        steps = [_step(name, by_thread[name], edges[name]) for name in cycle]
        message = "deadlock across processes: " + "; ".join(steps)
    else:
        parts = [f"{w['thread']} in {w['kind']} on {w['object']}" for w in waits]
        message = (
            "deadlock across processes: every process waits and none can wake the others: "
            + ", ".join(parts)
        )
    return {
        "kind": "deadlock",
        "message": message,
        "threads": [w["thread"] for w in waits],
        "locations": sorted({w["location"] for w in waits if w["location"]}),
        "waits": waits,
        "cycle": cycle,
        "processes": [{"pid": s["pid"], "name": s["process"]} for s in states],
    }
