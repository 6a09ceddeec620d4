"""Every core's load over the last minute, and the share of it that belongs to the run.

Samples arrive from the monitor thread (via the window) many times a second; ``add_sample``
only copies them into preallocated numpy rings and ``refresh`` (the window's 30 Hz timer)
draws, and only when something new came in. Up to 32 cores each gets a thin line; past that
the lines are unreadable, so the cores become rows of a heat map with the machine total and
the run's share as lines in a strip below it.

The run's share comes from the monitor in cores' worth (``Sample.run_cores``); it is drawn as a
percent of the whole machine so it sits on the same 0-100 axis as the total it is part of.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from workbench.monitor import Sample

WINDOW_S = 60.0
CAPACITY = 4096  # 60 s at the 50 Hz top rate, with room to spare
HEATMAP_ABOVE = 32
HEAT_COLUMNS = 1200  # 50 ms per heat-map column
RUN_COLOR = "#D55E00"  # vermillion (Okabe-Ito): stands out from the cores' hues, light or dark
GUIDE_COLOR = (128, 128, 128, 90)  # faint grey: visible on light and dark backgrounds
# The settings the live lines use; benchmarks/plot_capacity.py measures them.
CURVE_OPTS = {
    "antialias": False,
    "clipToView": True,
    "autoDownsample": True,
    "downsampleMethod": "peak",
    "skipFiniteCheck": True,
}


def apply_palette(
    pal: QPalette,
    widget: pg.GraphicsView,
    plots: list[pg.PlotItem],
    axes: tuple[pg.AxisItem, ...] = (),
) -> None:
    """Follow the Qt palette (light or dark) instead of pyqtgraph's fixed black background.

    ``pal`` is the panel's palette: on a palette change the panel hears of it before its
    child view does, so the view's own palette may still be the old one.
    """
    text = pal.color(QPalette.ColorRole.Text)
    base = pal.color(QPalette.ColorRole.Base)
    widget.setBackground(base)
    plot_axes = [plot.getAxis(name) for plot in plots for name in ("left", "bottom", "right")]
    for axis in (*plot_axes, *axes):
        axis.setPen(text)
        axis.setTextPen(text)
        if axis.label is not None:
            axis.setLabel(axis.labelText, axis.labelUnits, color=text.name())
    legend_brush = QColor(base)
    legend_brush.setAlpha(210)  # the newest data show through, faintly
    for legend in (plot.legend for plot in plots if plot.legend is not None):
        legend.setLabelTextColor(text)
        legend.setBrush(legend_brush)
        for _sample, label in legend.items:
            label.setText(label.text)  # LabelItem only re-renders its colour on setText


def export_widget(widget: QWidget, path: str) -> None:
    """Save ``widget`` as it looks on screen: ``.png`` from ``grab()``, ``.svg`` as vectors.

    The SVG goes through Qt's QSvgGenerator, not pyqtgraph's SVGExporter: with Qt 6.11 that
    exporter fails on every closed path ("Z" in the path data, pyqtgraph issue #3495).
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".png":
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        return
    if suffix != ".svg":
        raise ValueError(f"cannot export to {suffix or 'no suffix'!r}: use .png or .svg")
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(widget.size())
    generator.setViewBox(QRect(QPoint(0, 0), widget.size()))
    generator.setTitle(widget.windowTitle() or type(widget).__name__)
    widget.render(generator)


class CoresPlot(QWidget):
    """A strip chart (or heat map) of per-core load, -60..0 s, with the run's share on top.

    Parameters
    ----------
    heatmap:
        True forces the heat map, False forces lines, None (default) picks the heat map past
        32 cores. The core count is taken from the first sample.
    """

    sig_rate_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None, heatmap: bool | None = None) -> None:
        super().__init__(parent)
        self._heatmap_wanted = heatmap
        self._cores_n = 0
        self._count = 0
        self._drawn = 0
        self._heat: pg.ImageItem | None = None
        self._core_curves: list[pg.PlotDataItem] = []
        self._plots: list[pg.PlotItem] = []
        self._extra_axes: tuple[pg.AxisItem, ...] = ()
        self._label = QLabel("waiting for the CPU monitor…")
        self._rate = QDoubleSpinBox()
        self._rate.setRange(1.0, 50.0)
        self._rate.setDecimals(1)
        self._rate.setValue(10.0)
        self._rate.setKeyboardTracking(False)  # one signal per committed value, not per key
        self._rate.setToolTip("How often the CPU monitor samples (its window stays ≥ 250 ms)")
        self._rate.valueChanged.connect(self._on_rate_value_changed)
        rate_label = QLabel("sampling rate (Hz)")
        rate_label.setBuddy(self._rate)
        header = QHBoxLayout()
        header.addWidget(self._label, 1)
        header.addWidget(rate_label)
        header.addWidget(self._rate)
        self._view = pg.GraphicsLayoutWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self._view, 1)

    # -- public API --------------------------------------------------------------------------

    @property
    def heatmap(self) -> bool:
        """Whether the cores are drawn as a heat map (decided at the first sample)."""
        return self._heat is not None if self._cores_n else bool(self._heatmap_wanted)

    def add_sample(self, sample: Sample) -> None:
        """Append one reading to the rings; cheap, draws nothing (``refresh`` does)."""
        if len(sample.per_core) != self._cores_n:
            self._build(len(sample.per_core))
        i = self._count % CAPACITY
        run = np.nan if sample.run_cores is None else 100.0 * sample.run_cores / self._cores_n
        for j in (i, i + CAPACITY):  # twice, so the newest CAPACITY are always one slice
            self._t[j] = sample.t
            self._cores[:, j] = sample.per_core
            self._total[j] = sample.total
            self._run[j] = run
        self._count += 1
        self._last = sample

    def refresh(self) -> None:
        """Redraw if samples arrived since the last call (the window's timer calls this)."""
        if self._count == self._drawn or not self._cores_n:
            return
        self._drawn = self._count
        start = self._count % CAPACITY if self._count >= CAPACITY else 0
        stop = start + min(self._count, CAPACITY)
        t = self._t[start:stop]
        first = int(np.searchsorted(t, t[-1] - WINDOW_S - 1.0))
        sl = slice(start + first, stop)
        x = self._t[sl] - self._t[stop - 1]
        # Copies: pyqtgraph keeps a view of what it is given, and the ring's next write would
        # change the oldest point under it.
        self._total_curve.setData(x, self._total[sl].copy())
        self._run_curve.setData(x, self._run[sl].copy())
        if self._heat is not None:
            self._draw_heat(x, self._cores[:, sl])
        else:
            for k, curve in enumerate(self._core_curves):
                curve.setData(x, self._cores[k, sl].copy())
        self._label.setText(self._header_text(self._last))

    def clear(self) -> None:
        """Forget every sample (the plot empties at once)."""
        self._count = self._drawn = 0
        for curve in self._curves():
            curve.setData([], [])
        if self._heat is not None:
            self._heat.clear()
        self._label.setText("waiting for the CPU monitor…")

    def set_rate(self, rate_hz: float) -> None:
        """Show the monitor's rate without emitting ``sig_rate_changed`` (e.g. from settings)."""
        self._rate.blockSignals(True)
        self._rate.setValue(rate_hz)
        self._rate.blockSignals(False)

    def export(self, path: str) -> None:
        """Save the header and plot as ``.png`` (raster) or ``.svg`` (vector), by suffix."""
        export_widget(self, path)

    # -- building ----------------------------------------------------------------------------

    def _build(self, n: int) -> None:
        """Create the plot items once for ``n`` cores (again only if the core count changes)."""
        self._view.clear()
        self._cores_n, self._count, self._drawn = n, 0, 0
        self._t = np.zeros(2 * CAPACITY)
        self._cores = np.zeros((n, 2 * CAPACITY))  # a core's history is contiguous
        self._total = np.zeros(2 * CAPACITY)
        self._run = np.full(2 * CAPACITY, np.nan)
        heat = self._heatmap_wanted if self._heatmap_wanted is not None else n > HEATMAP_ABOVE
        self._heat, self._core_curves, self._extra_axes = None, [], ()
        main = self._view.addPlot(row=0, col=0)
        self._plots = [main]
        if heat:
            self._build_heat(main, n)
            # Not x-linked: pyqtgraph aligns linked views by pixel, which shifts the range of
            # plots of different widths. Both keep the same fixed -60..0 range instead.
            strip = self._view.addPlot(row=1, col=0)
            self._view.ci.layout.setRowStretchFactor(0, 3)
            self._plots.append(strip)
            self._build_lines(strip, legend_text=None)
        else:
            self._build_lines(main, legend_text=f"each core (×{n})")
        for plot in self._plots:
            plot.setXRange(-WINDOW_S, 0, padding=0)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setLabel("bottom", "seconds (0 = now)")
            plot.getAxis("left").setWidth(64)  # heat map and strip line up
        apply_palette(self.palette(), self._view, self._plots, self._extra_axes)

    def _build_lines(self, plot: pg.PlotItem, legend_text: str | None) -> None:
        plot.setYRange(0, 100, padding=0.02)
        plot.setLabel("left", "busy (% of machine)" if legend_text is None else "busy (%)")
        # A few guide lines, not showGrid: the grid is drawn by the axis on every repaint and
        # halved the frame rate of a 16-core plot (benchmarks/plot_capacity.py).
        for y in (25, 50, 75, 100):
            plot.addItem(pg.InfiniteLine(pos=y, angle=0, pen=pg.mkPen(GUIDE_COLOR)))
        plot.getAxis("left").setTicks([[(y, str(y)) for y in (0, 25, 50, 75, 100)]])
        legend = plot.addLegend(offset=(8, 4), colCount=3)
        if legend_text is not None:
            n = self._cores_n
            for k in range(n):
                color = pg.intColor(k, hues=max(n, 8), values=1, alpha=170)
                curve = pg.PlotDataItem(pen=pg.mkPen(color, width=1), **CURVE_OPTS)
                plot.addItem(curve)
                self._core_curves.append(curve)
            legend.addItem(self._core_curves[0], legend_text)
        text = self.palette().color(QPalette.ColorRole.Text)
        self._total_curve = plot.plot(
            pen=pg.mkPen(text, width=2, style=Qt.PenStyle.DashLine), name="all cores", **CURVE_OPTS
        )
        # Thick and on top, but not filled: a filled area cost a third of the frame rate.
        self._run_curve = plot.plot(
            pen=pg.mkPen(RUN_COLOR, width=3),
            connect="finite",  # no run tracked: a gap, not a line at zero
            name="this run",
            **{**CURVE_OPTS, "skipFiniteCheck": False},
        )
        self._total_curve.setZValue(10)
        self._run_curve.setZValue(11)

    def _build_heat(self, plot: pg.PlotItem, n: int) -> None:
        self._heat = pg.ImageItem(axisOrder="col-major")  # image[x = time, y = core]
        plot.addItem(self._heat)
        plot.setYRange(0, n, padding=0)
        plot.setLabel("left", f"core (0–{n - 1})")
        bar = pg.ColorBarItem(
            values=(0, 100), colorMap="inferno", label="busy (%)", interactive=False
        )
        bar.setImageItem(self._heat)
        self._view.addItem(bar, row=0, col=1)  # its own column: the strip keeps the same width
        self._extra_axes = (bar.axis, bar.getAxis("left"))  # values right, label left
        self._heat_x = np.linspace(-WINDOW_S, 0.0, HEAT_COLUMNS)

    # -- drawing -----------------------------------------------------------------------------

    def _draw_heat(self, x: np.ndarray, cores: np.ndarray) -> None:
        """Resample onto fixed time columns, so a change of rate does not stretch the image."""
        idx = np.searchsorted(x, self._heat_x, side="right") - 1
        image = cores[:, np.clip(idx, 0, None)].T  # a copy, [time, core]
        image[idx < 0] = np.nan  # before the first sample: left blank
        self._heat.setImage(image, autoLevels=False, levels=(0, 100))
        self._heat.setRect(QRectF(-WINDOW_S, 0, WINDOW_S, self._cores_n))

    def _header_text(self, s: Sample) -> str:
        text = f"All {self._cores_n} cores: {s.total:.0f} % busy"
        if s.run_cores is None:
            return text + "  ·  this run: none tracked"
        share = 100.0 * s.run_cores / self._cores_n
        return text + f"  ·  this run: {s.run_cores:.2f} cores = {share:.0f} % of the machine"

    def _curves(self) -> list[pg.PlotDataItem]:
        if not self._cores_n:
            return []
        return [*self._core_curves, self._total_curve, self._run_curve]

    # -- Qt ----------------------------------------------------------------------------------

    def _on_rate_value_changed(self, value: float) -> None:
        self.sig_rate_changed.emit(float(value))

    def changeEvent(self, event: QEvent) -> None:
        """Recolour axes and background when the user switches between light and dark."""
        if event.type() == QEvent.Type.PaletteChange and self._cores_n:
            apply_palette(self.palette(), self._view, self._plots, self._extra_axes)
            self._total_curve.setPen(
                pg.mkPen(
                    self.palette().color(QPalette.ColorRole.Text),
                    width=2,
                    style=Qt.PenStyle.DashLine,
                )
            )
        super().changeEvent(event)
