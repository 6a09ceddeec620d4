"""How many frames per second a live plot sustains: 16 and 64 curves of 2,000 points.

Each frame sets new data on every curve and then lets Qt paint, the way the window's 30 Hz
timer does (``refresh`` then the event loop). Painting is driven by ``processEvents`` rather
than ``repaint()``: on a QGraphicsView, ``repaint()`` repaints the frame but not the scene in
its viewport (measured: zero curve paints), so it would time nothing. The script counts view
paints per frame and prints them, so a frame that painted nothing cannot pass unnoticed.

Rows:
- baseline: pyqtgraph's own PlotSpeedTest settings (no antialias, clip to view, automatic
  peak downsampling set on the PlotItem), plain pens;
- CoresPlot settings: the same PlotWidget with ``ui.cores_plot.CURVE_OPTS`` and its pens;
- CoresPlot widget: the real panel, fed a Sample per frame (lines, or the heat map it picks
  past 32 cores).

Run from the repository root: ``python benchmarks/plot_capacity.py`` (offscreen by default).
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

from ui.cores_plot import CURVE_OPTS, CoresPlot
from workbench.monitor import Sample

POINTS = 2000
SIZE = (1280, 480)  # a wide dock on a 1366x768 screen, or a projector
MEASURE_S = 2.5
TARGETS = {16: 60.0, 64: 30.0}
POOL = 97  # precomputed data rows: a frame's cost is the plot's, not the random generator's


class PaintCounter:
    """Counts paints of every pyqtgraph view, to check each frame really drew."""

    def __init__(self) -> None:
        self.count = 0
        self._original = pg.GraphicsView.paintEvent
        counter = self

        def paint_event(view: pg.GraphicsView, event: object) -> None:
            counter.count += 1
            counter._original(view, event)

        pg.GraphicsView.paintEvent = paint_event


def walk(rng: np.random.Generator, rows: int) -> np.ndarray:
    """Load-like rows: random walks clipped to 0..100 percent."""
    return np.clip(50 + np.cumsum(rng.normal(0, 3, (rows, POINTS)), axis=1), 0, 100)


def measure(app: QApplication, frame: Callable[[int], None], paints: PaintCounter) -> tuple:
    """Frames per second over MEASURE_S after a short warm-up, and view paints per frame."""
    for i in range(10):
        frame(i)
        app.processEvents()
    paints.count, frames, start = 0, 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < MEASURE_S:
        frame(frames)
        app.processEvents()
        frames += 1
    return frames / elapsed, paints.count / frames


def plot_widget(curves: int, opts: dict | None, data: np.ndarray) -> Callable[[int], None]:
    """A shown PlotWidget with ``curves`` lines; the frame function sets new data on all."""
    widget = pg.PlotWidget()
    widget.resize(*SIZE)
    widget.setYRange(0, 100)
    widget.setXRange(-60, 0)
    x = np.linspace(-60, 0, POINTS)
    if opts is None:  # pyqtgraph's PlotSpeedTest example
        widget.getPlotItem().setClipToView(True)
        widget.getPlotItem().setDownsampling(mode="peak", auto=True)
        items = [widget.plot(pen=pg.intColor(k, curves)) for k in range(curves)]
    else:
        pens = [
            pg.mkPen(pg.intColor(k, max(curves, 8), values=1, alpha=170)) for k in range(curves)
        ]
        items = [widget.plot(pen=pens[k], **opts) for k in range(curves)]
    widget.show()
    widget._bench_keep = items  # keep the items alive with the widget

    def frame(i: int) -> None:
        for k, item in enumerate(items):
            item.setData(x, data[(i + k) % POOL])

    frame.widget = widget
    return frame


def cores_widget(cores: int, heatmap: bool | None, data: np.ndarray) -> Callable[[int], None]:
    """The real CoresPlot, filled with 60 s of samples and fed one more per frame."""
    plot = CoresPlot(heatmap=heatmap)
    plot.resize(*SIZE)
    dt = 60.0 / POINTS
    columns = data[:cores].T  # POINTS samples x cores
    for i in range(POINTS):
        per = tuple(columns[i])
        plot.add_sample(Sample(i * dt, per, sum(per) / cores, 0.3 * cores))
    plot.refresh()
    plot.show()

    def frame(i: int) -> None:
        per = tuple(columns[i % POINTS])
        plot.add_sample(Sample((POINTS + i) * dt, per, sum(per) / cores, 0.3 * cores))
        plot.refresh()

    frame.widget = plot
    return frame


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    paints = PaintCounter()
    data = walk(np.random.default_rng(1), POOL)
    opts_text = ", ".join(f"{k}={v}" for k, v in CURVE_OPTS.items())
    cases = [
        ("baseline (PlotSpeedTest settings)", 16, lambda: plot_widget(16, None, data)),
        ("CoresPlot settings", 16, lambda: plot_widget(16, CURVE_OPTS, data)),
        ("CoresPlot widget, lines", 16, lambda: cores_widget(16, None, data)),
        ("baseline (PlotSpeedTest settings)", 64, lambda: plot_widget(64, None, data)),
        ("CoresPlot settings", 64, lambda: plot_widget(64, CURVE_OPTS, data)),
        ("CoresPlot widget, lines forced", 64, lambda: cores_widget(64, False, data)),
        ("CoresPlot widget, heat map (default)", 64, lambda: cores_widget(64, None, data)),
    ]
    print(f"PySide6 {pg.Qt.PySide6.__version__}, pyqtgraph {pg.__version__}, "
          f"platform {app.platformName()}, window {SIZE[0]}x{SIZE[1]}, {POINTS} points a curve, "
          f"{MEASURE_S:.1f} s a row")  # fmt: skip
    print(f"CoresPlot settings: {opts_text}\n")
    header = f"{'plot':38} {'curves':>6} {'fps':>7} {'target':>7} {'paints/frame':>13}  verdict"
    print(header)
    print("-" * len(header))
    for name, curves, build in cases:
        frame = build()
        fps, per_frame = measure(app, frame, paints)
        frame.widget.close()
        frame.widget.deleteLater()
        app.processEvents()
        target = TARGETS[curves]
        verdict = "ok" if fps >= target else "BELOW TARGET"
        print(f"{name:38} {curves:>6} {fps:7.1f} {target:7.0f} {per_frame:13.2f}  {verdict}")


if __name__ == "__main__":
    main()
