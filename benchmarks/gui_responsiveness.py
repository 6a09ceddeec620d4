"""Does the window stay responsive while a 2-worker CPU-bound sweep saturates the machine?

The real MainWindow is opened and driven as a user would: pick "processes.compare", set
workload=primes and a size of about 1-2 s of serial work, type the worker counts "1,2" and 2
repeats into the Run panel and press Sweep (``sweep_button.click()``, which emits
``RunPanel.sig_sweep_requested`` into ``MainWindow._on_sweep_requested``). Meanwhile:

- a heartbeat QTimer (5 ms, precise) in the GUI thread records the gaps between its ticks: a
  gap is how long a click or a keystroke would have waited;
- the cores and speedup plots count their real redraws (``refresh`` calls that set new data)
  and the paints of their views (``pg.GraphicsView.paintEvent``, timed);
- ``psutil.cpu_percent(percpu=True)`` is read at the start of the sweep, when the 1-worker point
  ends (its row reaches the speedup plot) and at the end: the 2-worker phase should keep both
  cores busy.

The wait is a QEventLoop on ``runner.sig_job_finished``. The baseline is the same heartbeat and
counters with the window open and idle (no sweep) for as long as the sweep took. The cores plot
only redraws when the CPU monitor has a new sample, so the sweep is done twice: at the default
25 Hz sampling (the default) and at 10 Hz, set with the panel's own rate box as a user would.

Targets: longest stall < 50 ms; charts >= 20 fps. Missing a target is reported, not an error.
``--stacks`` also prints where the GUI thread was during the longest stalls (a watchdog thread
samples its stack; it adds a little load, so its numbers are not the benchmark's).

Run from the repository root: ``python benchmarks/gui_responsiveness.py`` (offscreen unless a
DISPLAY is set; history and settings go to a temporary directory).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
import traceback
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import psutil
import pyqtgraph as pg
from PySide6.QtCore import QEventLoop, QObject, QSettings, Qt, QTimer

from ui.app import application
from workbench.monitor import tree_cpu_seconds

RECIPE = "processes.compare"
SIZE = 700_000  # primes below 700,000: about 1 s serial on the dev machine, 1.7 s on the VM
WORKERS_TEXT, REPEAT = "1,2", 2
HEARTBEAT_MS = 5
RATES_HZ = (25.0, 10.0)  # CPU monitor sampling: the default, and a slower one set by the user
SETTLE_S = 1.5
JOB_TIMEOUT_MS = 120_000  # a sweep takes ~5 s; a hung engine fails the benchmark
TARGET_STALL_MS, TARGET_FPS = 50.0, 20.0


class PaintLog:
    """Times every pyqtgraph view paint. Installed before the window is built: PySide looks a
    Python override up once per object, so a view that already painted keeps the old method."""

    def __init__(self) -> None:
        self.views: dict[int, str] = {}
        self.probe: Probe | None = None
        original = pg.GraphicsView.paintEvent
        log = self

        def paint_event(view, event):
            start = time.perf_counter()
            try:
                return original(view, event)
            finally:
                probe = log.probe
                if probe is not None and probe.recording:
                    name = log.views.get(id(view), "other plot")
                    probe.paints[name] += 1
                    probe.calls.append((f"paint {name}", start, time.perf_counter()))

        pg.GraphicsView.paintEvent = paint_event


PAINTS: PaintLog


class Probe(QObject):
    """Heartbeat, redraw and paint counters, and timings of what the window does per frame."""

    def __init__(self, window) -> None:
        super().__init__()
        self.window = window
        self.ticks: list[float] = []
        self.sched: list[tuple[int, int]] = []  # GUI thread's (run ns, runqueue wait ns)
        self._schedstat = _open_schedstat()
        self.calls: list[tuple[str, float, float]] = []  # (name, start, end)
        self.redraws: dict[str, int] = defaultdict(int)
        self.paints: dict[str, int] = defaultdict(int)
        self.point_times: list[float] = []
        self.recording = False
        self.heartbeat = QTimer(self)
        self.heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
        self.heartbeat.setInterval(HEARTBEAT_MS)
        self.heartbeat.timeout.connect(self._tick)
        self._instrument()

    def _tick(self) -> None:
        if self.recording:
            self.ticks.append(time.perf_counter())
            self.sched.append(self._read_sched())

    def _read_sched(self) -> tuple[int, int]:
        """The GUI thread's CPU time and time spent runnable but not running, in ns."""
        if self._schedstat is None:
            return time.thread_time_ns(), -1
        run, wait, _ = os.pread(self._schedstat, 100, 0).split()
        return int(run), int(wait)

    def _timed(self, obj, attr: str, name: str, redraw_check=None) -> None:
        """Replace obj.attr on the instance by a wrapper that logs its duration."""
        original = getattr(obj, attr)
        probe = self

        def wrapper(*args, **kwargs):
            before = redraw_check() if redraw_check else None
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                end = time.perf_counter()
                if probe.recording:
                    probe.calls.append((name, start, end))
                    if redraw_check and redraw_check() != before:
                        probe.redraws[name] += 1

        setattr(obj, attr, wrapper)

    def _instrument(self) -> None:
        w = self.window
        cores, speedup = w.cores_plot, w.speedup_plot
        # A real redraw: the cores plot caught up with new samples; the speedup plot was dirty.
        self._timed(cores, "refresh", "cores_plot.refresh", lambda: cores._drawn)
        self._timed(speedup, "refresh", "speedup_plot.refresh", lambda: speedup._dirty)
        self._timed(w.console_panel, "refresh", "console_panel.refresh")
        self._timed(w.result_panel, "show_record", "result_panel.show_record")
        self._timed(w.result_panel, "show_partial", "result_panel.show_partial")
        self._timed(w.history_panel, "reload", "history_panel.reload")
        self._timed(w.live, "drain", "frame (LiveFeed.drain)")
        add_point = speedup.add_point

        def on_point(*args, **kwargs):
            self.point_times.append(time.perf_counter())
            return add_point(*args, **kwargs)

        speedup.add_point = on_point
        PAINTS.views = {id(cores._view): "cores plot", id(speedup._view): "speedup plot"}
        PAINTS.probe = self

    def start(self) -> None:
        self.ticks.clear()
        self.calls.clear()
        self.redraws.clear()
        self.paints.clear()
        self.point_times.clear()
        self.sched.clear()
        self.recording = True
        self.heartbeat.start()
        self.t0 = time.perf_counter()
        self.sched0 = self._read_sched()
        self.cpu0 = psutil.Process().cpu_times()
        self.machine0 = machine_seconds()

    def stop(self) -> dict:
        self.heartbeat.stop()
        self.recording = False
        t1 = time.perf_counter()
        cpu1 = psutil.Process().cpu_times()
        busy, steal, tree = (b - a for a, b in zip(self.machine0, machine_seconds(), strict=True))
        duration = t1 - self.t0
        gaps = np.diff(np.array([self.t0, *self.ticks])) * 1000.0
        sched = np.diff(np.array([self.sched0, *self.sched], dtype=float), axis=0) / 1e6
        if not len(sched):
            sched = np.zeros((0, 2))
        run_ms, wait_ms = sched[:, 0], sched[:, 1]
        if self._schedstat is None:
            wait_ms = np.full_like(run_ms, np.nan)
        long = gaps > 20.0
        frames = [(s, e) for n, s, e in self.calls if n.startswith("frame")]
        frame_ms = np.array([(e - s) * 1000 for s, e in frames]) if frames else np.zeros(1)
        return {
            "duration": duration,
            "ticks": len(self.ticks),
            "max_gap": float(gaps.max()) if len(gaps) else float("nan"),
            "p99_gap": float(np.percentile(gaps, 99)) if len(gaps) else float("nan"),
            "gaps": gaps,
            "tick_times": np.array(self.ticks),
            "run_ms": run_ms,
            "wait_ms": wait_ms,
            # Where the GUI thread's time went in stalls over 20 ms: running (its own work,
            # Python or Qt), runnable but without a CPU, or blocked (the GIL, or waiting).
            "long_stalls": int(long.sum()),
            "long_ran": float(run_ms[long].sum()),
            "long_waited_cpu": float(wait_ms[long].sum()),
            "long_blocked": float((gaps - run_ms - wait_ms)[long].sum()),
            "cores_fps": self.redraws["cores_plot.refresh"] / duration,
            "cores_paint_fps": self.paints["cores plot"] / duration,
            "speedup_redraws": self.redraws["speedup_plot.refresh"],
            "speedup_paints": self.paints["speedup plot"],
            "frames_per_s": len(frames) / duration,
            "frame_max_ms": float(frame_ms.max()),
            "frame_mean_ms": float(frame_ms.mean()),
            "gui_cpu": 100.0
            * ((cpu1.user - self.cpu0.user) + (cpu1.system - self.cpu0.system))
            / duration,
            "calls": list(self.calls),
            "other_cores": (busy - tree) / duration,  # CPU used outside this process tree
            "steal_cores": steal / duration,
        }


def _open_schedstat() -> int | None:
    """Linux: /proc/.../schedstat of the calling thread, read with pread per tick (~1 us)."""
    try:
        return os.open(f"/proc/self/task/{threading.get_native_id()}/schedstat", os.O_RDONLY)
    except OSError:
        return None


def machine_seconds() -> tuple[float, float, float]:
    """Busy CPU seconds of the machine, stolen by the hypervisor, and used by this process tree
    (itself, its run hosts and their pools, live or reaped)."""
    t = psutil.cpu_times()
    busy = t.user + t.nice + t.system + t.irq + t.softirq
    return busy, getattr(t, "steal", 0.0), tree_cpu_seconds(os.getpid()) or 0.0


class StackWatch(threading.Thread):
    """Diagnostic (--stacks): samples the GUI thread's stack while its heartbeat is late."""

    def __init__(self, probe: Probe, late_ms: float = 25.0) -> None:
        super().__init__(daemon=True)
        self.probe, self.late = probe, late_ms / 1000.0
        self.main_id = threading.main_thread().ident
        self.samples: list[tuple[float, str]] = []
        self.running = True

    def run(self) -> None:
        while self.running:
            time.sleep(0.004)
            ticks = self.probe.ticks
            if self.probe.recording and ticks and time.perf_counter() - ticks[-1] > self.late:
                frame = sys._current_frames().get(self.main_id)
                if frame is not None:
                    stack = "".join(traceback.format_stack(frame, limit=12)[-6:])
                    self.samples.append((time.perf_counter(), stack))


def wait_for_job(app, window) -> object:
    loop = QEventLoop()
    outcome: list[object] = []

    def finished(result: object) -> None:
        outcome.append(result)
        loop.quit()

    window.runner.sig_job_finished.connect(finished)
    QTimer.singleShot(JOB_TIMEOUT_MS, loop.quit)
    loop.exec()
    window.runner.sig_job_finished.disconnect(finished)
    if not outcome:
        raise RuntimeError("the sweep did not finish in time")
    return outcome[0]


def idle(app, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def sweep(app, window, probe: Probe) -> tuple[dict, dict]:
    """One sweep pressed like a user, measured; returns (measurements, cpu and points)."""
    w = window
    w.select_recipe(RECIPE)
    w.params_panel.set_values({"workload": "primes", "size": SIZE, "tasks": 0, "chunksize": 1})
    w.run_panel.workers_edit.setText(WORKERS_TEXT)
    w.run_panel.repeat_spin.setValue(REPEAT)
    app.processEvents()
    psutil.cpu_percent(percpu=True)  # start of the CPU window
    probe.start()
    w.run_panel.sweep_button.click()
    if not w.runner.busy:
        raise RuntimeError(f"the sweep did not start: {w.run_panel.error_label.text()}")
    outcome = wait_for_job(app, w)
    stats = probe.stop()
    # The CPU windows: from the press to the first point (1 worker), then to the end (2).
    cpu_total = psutil.cpu_percent(percpu=True)
    if getattr(w, "last_status", None) != "ok":
        raise RuntimeError(f"sweep ended {w.last_status}: {w.run_panel.status_label.text()}")
    points = outcome[0]["points"] if isinstance(outcome, list) else []
    return stats, {"cpu_total": cpu_total, "points": points}


def sweep_with_phases(app, window, probe: Probe) -> tuple[dict, dict]:
    """Like ``sweep`` but also reads per-core load for the 1-worker and 2-worker phases."""
    phase: dict[str, list[float]] = {}
    add_point = window.speedup_plot.add_point

    def on_point(*args, **kwargs):
        if "one" not in phase:
            phase["one"] = psutil.cpu_percent(percpu=True)  # 1-worker point done
        return add_point(*args, **kwargs)

    window.speedup_plot.add_point = on_point
    try:
        stats, info = sweep(app, window, probe)
    finally:
        window.speedup_plot.add_point = add_point
    info["cpu_one"] = phase.get("one", [float("nan")])
    info["cpu_two"] = info.pop("cpu_total")  # since the last call: the 2-worker phase
    return stats, info


def culprits(stats: dict, top: int = 5) -> list[str]:
    """The longest heartbeat gaps: where the GUI thread's time went, and the timed calls."""
    gaps, ends, calls = stats["gaps"], stats["tick_times"], stats["calls"]
    lines = []
    for i in np.argsort(gaps)[::-1][:top]:
        end = ends[i]
        start = end - gaps[i] / 1000.0
        run, wait = stats["run_ms"][i], stats["wait_ms"][i]
        inside = [
            f"{n} {1000 * (e - s):.1f}"
            for n, s, e in calls
            if s < end and e > start and (e - s) * 1000 >= 2.0
        ]
        lines.append(
            f"    {gaps[i]:5.1f} ms = ran {run:4.1f} + no CPU {wait:4.1f} + blocked "
            f"{gaps[i] - run - wait:4.1f}; " + ("; ".join(inside) or "no timed call >= 2 ms")
        )
    return lines


def row(label, ours, base, target, ok, fmt="{:.1f}") -> str:
    ratio = ours / base if base else float("nan")
    verdict = "" if ok is None else ("ok" if ok else "MISSED")
    b = "—" if base is None else fmt.format(base)
    return f"  {label:44} {fmt.format(ours):>9} {b:>9} {ratio:>7.2f}  {target:>9}  {verdict}"


def isolate() -> str:
    """Offscreen unless there is a display; history and settings in a temporary directory
    (read when the application and the window are made, so set before either)."""
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = tempfile.mkdtemp(prefix="wb-bench-gui-")
    os.environ["WORKBENCH_HOME"] = home  # the user's history is untouched
    os.environ["XDG_CONFIG_HOME"] = home  # and so are their window settings
    return home


def main() -> int:
    stacks = "--stacks" in sys.argv
    home = isolate()
    global PAINTS
    app = application()
    PAINTS = PaintLog()
    from ui.main_window import MainWindow  # after the QApplication exists

    settings = QSettings(str(Path(home) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings)
    app.aboutToQuit.connect(window.runner.shutdown)
    window.resize(1366, 768)
    window.show()
    idle(app, SETTLE_S)
    probe = Probe(window)
    watch = StackWatch(probe) if stacks else None
    if watch:
        watch.start()
    print(
        f"{psutil.cpu_count()} logical cores, platform {app.platformName()}, {RECIPE} "
        f"workload=primes size={SIZE:,}, workers {WORKERS_TEXT} x {REPEAT} repeats, "
        f"heartbeat {HEARTBEAT_MS} ms; load average before: "
        + ", ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    results = []
    try:
        for rate in RATES_HZ:
            window.cores_plot._rate.setValue(rate)  # the panel's rate box, as a user sets it
            idle(app, SETTLE_S)
            busy, info = sweep_with_phases(app, window, probe)
            idle(app, SETTLE_S)
            probe.start()
            idle(app, busy["duration"])
            base = probe.stop()
            results.append((rate, busy, base, info))
    except Exception as exc:
        print(f"gui_responsiveness: {type(exc).__name__}: {exc}", file=sys.stderr)
        window.close()  # cancels the job and waits (5 s) for the runner's thread
        sys.stderr.flush()
        os._exit(1)  # a runner thread still stuck in the engine would abort Qt's exit
    window.close()
    if watch:
        watch.running = False

    header = f"  {'case':44} {'sweep':>9} {'idle':>9} {'ratio':>7}  {'target':>9}  verdict"
    for rate, busy, base, info in results:
        print(
            f"\nGUI during a {WORKERS_TEXT} x {REPEAT} sweep, CPU monitor at {rate:.0f} Hz "
            f"({busy['duration']:.1f} s; baseline: the same window idle for as long)"
        )
        print(header)
        print("  " + "-" * (len(header) - 2))
        print(row("longest heartbeat stall (ms)", busy["max_gap"], base["max_gap"],
                  f"< {TARGET_STALL_MS:.0f}", busy["max_gap"] < TARGET_STALL_MS))  # fmt: skip
        print(row("99th percentile stall (ms)", busy["p99_gap"], base["p99_gap"], "", None))
        print(row("cores plot redraws (fps)", busy["cores_fps"], base["cores_fps"],
                  f">= {TARGET_FPS:.0f}", busy["cores_fps"] >= TARGET_FPS))  # fmt: skip
        print(row("cores plot view paints (per s)", busy["cores_paint_fps"],
                  base["cores_paint_fps"], "", None))  # fmt: skip
        print(row("speedup plot redraws (count)", busy["speedup_redraws"],
                  base["speedup_redraws"], "", None, "{:.0f}"))  # fmt: skip
        print(row("window frames (LiveFeed.drain per s)", busy["frames_per_s"],
                  base["frames_per_s"], "", None))  # fmt: skip
        print(row("longest frame (ms)", busy["frame_max_ms"], base["frame_max_ms"], "", None))
        print(row("GUI process CPU (% of one core)", busy["gui_cpu"], base["gui_cpu"], "", None))
        one = " / ".join(f"{x:.0f}" for x in info["cpu_one"])
        two = " / ".join(f"{x:.0f}" for x in info["cpu_two"])
        print(row("other processes' CPU, interference (cores)", busy["other_cores"],
                  base["other_cores"], "~0", None, "{:.2f}"))  # fmt: skip
        print(row("CPU stolen by the hypervisor (cores)", busy["steal_cores"],
                  base["steal_cores"], "~0", None, "{:.2f}"))  # fmt: skip
        print(f"  CPU busy per core (%): 1-worker phase {one}; 2-worker phase {two}")
        pts = ", ".join(
            f"{p['workers']} worker(s) {p['median_s']:.2f} s (speedup {p['speedup']:.2f})"
            for p in info["points"]
        )
        print(f"  sweep points (median work): {pts}")
        n = busy["long_stalls"]
        total = busy["long_ran"] + busy["long_waited_cpu"] + busy["long_blocked"]
        if n:
            print(
                f"  {n} stalls > 20 ms in the sweep; of their {total:.0f} ms the GUI thread ran "
                f"{busy['long_ran']:.0f}, waited for a CPU {busy['long_waited_cpu']:.0f}, was "
                f"blocked (GIL or idle) {busy['long_blocked']:.0f}"
            )
        print("  longest stalls (GUI thread's time; timed calls inside them, ms):")
        print("\n".join(culprits(busy)))
    if watch and watch.samples:
        print("\nGUI thread stacks while the heartbeat was > 25 ms late (most frequent first):")
        counts: dict[str, int] = defaultdict(int)
        for _, stack in watch.samples:
            counts[stack] += 1
        for stack, n in sorted(counts.items(), key=lambda kv: -kv[1])[:4]:
            print(f"  -- {n} sample(s)\n{stack}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
