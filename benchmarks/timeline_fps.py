"""Frames per second of the thread timeline with 1,000,000 waits on 16 lanes, zoomed and panned.

The trace is synthetic (made here, for this measurement only): 16 lanes of 62,500 back-to-back
spans each over 10 s, states drawn at random, plus 100,000 lock holds. Each frame moves the
view (a zoom step at full view, a pan step when zoomed) and lets Qt paint through
``processEvents``; a paint counter on the views checks that every frame really drew (on a
QGraphicsView ``repaint()`` would not paint the scene, see benchmarks/plot_capacity.py).

Rows:
- TimelinePlot: the real view (one level-of-detail item per colour, ui/timeline_plot.py);
- baseline: bare pyqtgraph, the same span rectangles as outlines in ONE PlotDataItem with
  ``connect="finite"`` (6 points a rectangle, NaN between), clip to view and auto downsampling
  on. No holds: it is given less to draw than the real view.

Run from the repository root: ``python benchmarks/timeline_fps.py`` (offscreen by default).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from ui.timeline_plot import TimelinePlot
from workbench.analysis import ARROW_DTYPE, HOLD_DTYPE, SPAN_DTYPE, Timeline

LANES, SPANS, HOLDS = 16, 1_000_000, 100_000
DURATION_NS = 10_000_000_000
SIZE = (1280, 600)
MEASURE_S = 3.0
TARGET_FPS = 30.0


def synthetic_timeline(rng: np.random.Generator) -> Timeline:
    """Back-to-back spans on every lane, random lengths and states (invented data)."""
    per = SPANS // LANES
    spans = np.zeros(SPANS, SPAN_DTYPE)
    for lane in range(LANES):
        lengths = rng.integers(1, 2 * DURATION_NS // per, per)
        ends = np.cumsum(lengths)
        rows = spans[lane * per : (lane + 1) * per]
        rows["lane"], rows["start"], rows["end"] = lane, ends - lengths, ends
    spans["state"] = rng.integers(1, 9, SPANS)
    spans["obj"], spans["loc"] = 1, 2
    holds = spans[rng.choice(SPANS, HOLDS, replace=False)][["lane", "start", "end", "obj"]]
    hold_rows = np.zeros(HOLDS, HOLD_DTYPE)
    for name in ("lane", "start", "end", "obj"):
        hold_rows[name] = holds[name]
    t1 = int(spans["end"].max())
    lanes = [
        {"pid": 1, "tid": i, "name": f"worker-{i}", "start": 0, "end": t1} for i in range(LANES)
    ]
    strings = {0: "", 1: "Lock#1 @ bench.py:1", 2: "bench.py:2"}
    return Timeline(0, t1, lanes, spans, hold_rows, np.zeros(0, ARROW_DTYPE), strings)


class PaintCounter:
    """Counts paints of every pyqtgraph view, to check each frame really drew."""

    def __init__(self) -> None:
        self.count = 0
        original = pg.GraphicsView.paintEvent

        def paint_event(view: pg.GraphicsView, event: object) -> None:
            self.count += 1
            original(view, event)

        pg.GraphicsView.paintEvent = paint_event


def baseline_widget(tl: Timeline) -> tuple[pg.PlotWidget, pg.PlotItem]:
    """Bare pyqtgraph: every span rectangle's outline in one finite-connected line."""
    s = tl.spans
    x0, x1 = s["start"] * 1e-9, s["end"] * 1e-9
    top, bottom = s["lane"] - 0.32, s["lane"] + 0.14
    nan = np.full(len(s), np.nan)
    x = np.column_stack([x0, x1, x1, x0, x0, nan]).ravel()
    y = np.column_stack([top, top, bottom, bottom, top, nan]).ravel()
    widget = pg.PlotWidget()
    item = widget.getPlotItem()
    item.setClipToView(True)
    item.setDownsampling(auto=True, mode="peak")
    item.plot(x, y, connect="finite", pen=pg.mkPen("#E03131"))
    item.getViewBox().invertY(True)
    item.setMouseEnabled(y=False)
    return widget, item


def moves(duration_s: float, zoom: float) -> Callable[[int], tuple[float, float]]:
    """Frame i's x range: at full view a small zoom in and out; zoomed, a pan to and fro."""
    width = duration_s * zoom

    def at(i: int) -> tuple[float, float]:
        if zoom >= 1.0:
            shrink = 0.02 * (i % 2)
            return duration_s * shrink, duration_s * (1 - shrink)
        left = (duration_s - width) * (0.3 + 0.2 * np.sin(i / 7))
        return left, left + width

    return at


def measure(app: QApplication, item: pg.PlotItem, at: Callable, paints: PaintCounter) -> tuple:
    """Frames per second over MEASURE_S (at least 3 frames), and view paints per frame."""
    for i in range(3):
        item.setXRange(*at(i), padding=0)
        app.processEvents()
    paints.count, frames, start = 0, 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < MEASURE_S or frames < 3:
        item.setXRange(*at(frames), padding=0)
        app.processEvents()
        frames += 1
    return frames / elapsed, paints.count / frames


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    paints = PaintCounter()
    tl = synthetic_timeline(np.random.default_rng(7))
    duration = (tl.t1_ns - tl.t0_ns) * 1e-9
    plot = TimelinePlot()
    plot.resize(*SIZE)
    plot.show()
    start = time.perf_counter()
    plot.set_timeline(tl)
    set_s = time.perf_counter() - start
    base, base_item = baseline_widget(tl)
    base.resize(*SIZE)
    base.show()
    print(
        f"PySide6 {pg.Qt.PySide6.__version__}, pyqtgraph {pg.__version__}, platform "
        f"{app.platformName()}, {SIZE[0]}x{SIZE[1]}, {SPANS:,} spans + {HOLDS:,} holds on "
        f"{LANES} lanes over {duration:.1f} s; set_timeline took {set_s:.2f} s\n"
    )
    header = f"{'view':14} {'visible':>9} {'fps':>8} {'target':>7} {'paints/frame':>13}  verdict"
    print(header)
    print("-" * len(header))
    plot_item = plot.findChild(pg.PlotWidget).getPlotItem()
    for zoom, label in ((1.0, "full view"), (0.1, "10 %"), (0.001, "0.1 %")):
        for name, item in (("TimelinePlot", plot_item), ("baseline", base_item)):
            fps, per_frame = measure(app, item, moves(duration, zoom), paints)
            verdict = "ok" if fps >= TARGET_FPS else "BELOW TARGET"
            print(f"{name:14} {label:>9} {fps:8.1f} {TARGET_FPS:7.0f} {per_frame:13.2f}  {verdict}")


if __name__ == "__main__":
    main()
