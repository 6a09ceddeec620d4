"""Routes what the engine reported since the last frame to the panels that draw it.

Called from the window's one redraw timer: it drains the runner's inbox and the CPU monitor's
queue, merges (only the last progress per frame counts, partial results are merged), hands the
data to the panels and then asks each to refresh once. Nothing here draws per event.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass, field
from typing import Any

from workbench.monitor import CpuMonitor


@dataclass
class LiveState:
    """What the current job has reported so far (for the panels and the status bar)."""

    partial: dict[str, Any] = field(default_factory=dict)
    partial_changed: bool = False
    progress: float | None = None
    host_pid: int | None = None
    points_done: int = 0
    points_total: int = 0
    last_record: dict[str, Any] | None = None


class LiveFeed:
    """Drains the inbox into the panels; one call per frame."""

    def __init__(self, window: Any, monitor: CpuMonitor) -> None:
        self.window = window
        self.monitor = monitor
        self.samples: collections.deque = collections.deque(maxlen=10000)
        monitor.subscribe(self.samples.append)
        self.state = LiveState()

    def reset(self, points_total: int = 0) -> None:
        self.state = LiveState(points_total=points_total)

    def drain(self, inbox: collections.deque) -> None:
        w = self.window
        while inbox:
            kind, payload = inbox.popleft()
            self._route(kind, payload)
        while self.samples:
            w.cores_plot.add_sample(self.samples.popleft())
        if self.state.partial_changed and self.state.partial:
            w.result_panel.show_partial(dict(self.state.partial))
            self.state.partial_changed = False
        if self.state.progress is not None:
            w.run_panel.set_progress(self._overall_progress())
        for panel in (w.cores_plot, w.speedup_plot, w.console_panel):
            panel.refresh()
        w.run_panel.tick()

    def _overall_progress(self) -> float:
        s = self.state
        if s.points_total:
            return (s.points_done + (s.progress or 0.0)) / s.points_total
        return s.progress or 0.0

    def _route(self, kind: str, payload: Any) -> None:
        w, s = self.window, self.state
        if kind == "log":
            w.console_panel.append(payload["stream"], payload["text"])
        elif kind == "hello" and payload.get("child"):
            return  # a traced child process: the monitor already follows the host's tree
        elif kind == "hello":
            s.host_pid = payload["pid"]
            s.progress = s.progress or 0.0
            self.monitor.track(payload["pid"])
        elif kind == "progress":
            total = payload.get("total")
            s.progress = payload["done"] / total if total else payload["done"]
        elif kind == "partial":
            s.partial.update(payload)
            s.partial_changed = True
        elif kind == "error" and payload.get("traceback"):
            w.console_panel.show_traceback(payload["traceback"])
        elif kind == "finished":
            s.last_record = payload
            self.monitor.track(None)
        elif kind == "sweep_started":
            w.speedup_plot.begin_series(payload["key"], payload["recipe"])
        elif kind == "sweep_point":
            self._sweep_point(payload)

    def _sweep_point(self, payload: dict[str, Any]) -> None:
        w, s = self.window, self.state
        s.points_done += 1
        s.progress = 0.0
        summary, key = payload["summary"], payload["key"]
        record = payload["record"]
        workers = record["workers"]
        row = next((r for r in summary["points"] if r["workers"] == workers), None)
        if row:
            w.speedup_plot.add_point(key, row)
            w.speedup_plot.set_fit(key, summary["amdahl"])
        s.last_record = record  # shown when the sweep ends: the Result tab is hidden meanwhile
        w.console_panel.append(
            "workbench",
            f"{summary['id']} workers={workers}: {record['status']}"
            + (f", median {record['wall_s']:.4f} s" if record["wall_s"] else ""),
        )
