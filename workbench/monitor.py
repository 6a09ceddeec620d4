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


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds used so far by ``pid`` and its descendants (None once it is gone)."""
    try:
        root = psutil.Process(pid)
        t = root.cpu_times()
        used = t.user + t.system + t.children_user + t.children_system
        for child in root.children(recursive=True):
            try:
                c = child.cpu_times()
                used += c.user + c.system
            except psutil.Error:
                pass
        return used
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
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cpu_s = 0.0
        self._started = 0.0

    def subscribe(self, callback: Callable[[Sample], None]) -> None:
        self._subscribers.append(callback)

    def track(self, pid: int | None) -> None:
        """Attribute load to this process tree from now on (None: stop tracking)."""
        self._pid = pid
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
        run_cpu = tree_cpu_seconds(self._pid) if self._pid else None
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
