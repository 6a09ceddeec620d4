"""Per-core CPU load, sampled with psutil, and the share of it that belongs to a run.

It samples at a set rate (default 10 Hz) but computes each reading over a window of at least
250 ms: the kernel's tick accounting makes 50 ms windows on Linux read anywhere from 25 % to
67 % for a steady 50 % load. The first sample only sets the baseline and is discarded. The run's
share is the CPU time of the tracked process tree (live processes plus what reaped children
left in their parent's ``children_*`` times) per second, in cores. The monitor's own cost is
the CPU time its thread spends, as a fraction of one core, so the view can show what watching
costs.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

MIN_WINDOW_S = 0.25


@dataclass(frozen=True)
class Sample:
    t: float  # time.monotonic() seconds
    per_core: tuple[float, ...]  # percent busy, one per logical core
    total: float  # percent busy over all cores
    run_cores: float | None  # cores' worth of CPU used by the tracked run (None: no run)


def _busy(a: psutil._common.scputimes, b: psutil._common.scputimes) -> float:
    """Percent of time the core was busy between two readings of its times."""
    total = sum(b) - sum(a)
    idle = (b.idle - a.idle) + (getattr(b, "iowait", 0.0) - getattr(a, "iowait", 0.0))
    return max(0.0, min(100.0, 100.0 * (1.0 - idle / total))) if total > 0 else 0.0


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PROC = os.path.isdir("/proc/self/task")


def _linux_children(pid: int) -> list[int]:
    """Descendants from ``/proc/<pid>/task/*/children``: proportional to the tree's size,
    where psutil's ``children(recursive=True)`` reads every process on the machine."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{current}/task/{task}/children") as f:
                    kids = [int(x) for x in f.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def _linux_cpu(pid: int, with_children: bool) -> float:
    """utime + stime (+ cutime + cstime) in seconds from ``/proc/<pid>/stat``."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICKS


class ProcessTree:
    """CPU seconds used by a process and its descendants.

    The descendants are looked up again every :data:`RESCAN_S`; each reading then costs one
    ``/proc/<pid>/stat`` per process. Elsewhere than Linux, psutil does the same work."""

    RESCAN_S = 1.0

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.root = psutil.Process(pid)
        self.children: list[int] = []
        self._scanned = 0.0
        self._fast = _PROC and os.path.exists(f"/proc/{pid}/task")

    def _rescan(self) -> None:
        if self._fast:
            self.children = _linux_children(self.pid)
        else:
            self.children = [c.pid for c in self.root.children(recursive=True)]

    def cpu_seconds(self) -> float | None:
        """None once the root is gone."""
        now = time.monotonic()
        try:
            if now - self._scanned >= self.RESCAN_S:
                self._rescan()
                self._scanned = now
            used = self._cpu(self.pid, True)
        except (OSError, psutil.Error, ValueError, IndexError):
            return None
        for child in self.children:
            try:
                used += self._cpu(child, False)
            except (OSError, psutil.Error, ValueError, IndexError):
                pass
        return used

    def _cpu(self, pid: int, with_children: bool) -> float:
        if self._fast:
            return _linux_cpu(pid, with_children)
        t = psutil.Process(pid).cpu_times()
        extra = t.children_user + t.children_system if with_children else 0.0
        return t.user + t.system + extra


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by ``pid`` and its descendants (None once it is gone)."""
    try:
        return ProcessTree(pid).cpu_seconds()
    except psutil.Error:
        return None


class CpuMonitor:
    """Samples in its own thread and hands each :class:`Sample` to its subscribers."""

    def __init__(
        self, rate_hz: float = 10.0, window_s: float = MIN_WINDOW_S, keep_s: float = 120.0
    ) -> None:
        self.rate_hz = rate_hz
        self.window_s = max(MIN_WINDOW_S, window_s)
        self.samples: collections.deque[Sample] = collections.deque(
            maxlen=int(keep_s * max(rate_hz, 1))
        )
        self._subscribers: list[Callable[[Sample], None]] = []
        self._history: collections.deque[tuple[float, list, float | None]] = collections.deque()
        self._pid: int | None = None
        self._tree: ProcessTree | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cpu_s = 0.0
        self._started = 0.0

    def subscribe(self, callback: Callable[[Sample], None]) -> None:
        self._subscribers.append(callback)

    def track(self, pid: int | None) -> None:
        """Attribute load to this process tree from now on (None: stop tracking)."""
        self._pid = pid
        try:
            self._tree = ProcessTree(pid) if pid else None
        except psutil.Error:
            self._tree = None
        self._history.clear()  # readings of another tree cannot be differenced

    def set_rate(self, rate_hz: float) -> None:
        self.rate_hz = max(0.5, min(100.0, rate_hz))

    def start(self) -> CpuMonitor:
        self._stop.clear()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="cpu-monitor", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()

    def cost(self) -> float:
        """The monitor thread's CPU time as a fraction of one core since it started."""
        elapsed = time.monotonic() - self._started
        return self._cpu_s / elapsed if elapsed > 0 else 0.0

    def _loop(self) -> None:
        while not self._stop.wait(1.0 / self.rate_hz):
            before = time.thread_time()
            sample = self.sample()
            self._cpu_s += time.thread_time() - before
            if sample is None:
                continue
            self.samples.append(sample)
            for callback in self._subscribers:
                callback(sample)

    def sample(self) -> Sample | None:
        """Take one reading; None until a full window separates it from an earlier one."""
        now = time.monotonic()
        cores = psutil.cpu_times(percpu=True)
        run_cpu = self._tree.cpu_seconds() if self._tree else None
        self._history.append((now, cores, run_cpu))
        base = None
        while len(self._history) > 1 and now - self._history[0][0] >= self.window_s:
            base = self._history.popleft()
        if base is None:
            return None
        self._history.appendleft(base)  # keep the newest reading that is a full window old
        t0, cores0, run0 = base
        per_core = tuple(_busy(a, b) for a, b in zip(cores0, cores, strict=False))
        run_cores = None
        if run_cpu is not None and run0 is not None:
            run_cores = max(0.0, (run_cpu - run0) / (now - t0))
        total = sum(per_core) / len(per_core) if per_core else 0.0
        return Sample(now, per_core, total, run_cores)
