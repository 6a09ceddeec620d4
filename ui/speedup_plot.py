"""Speedup against workers, drawn as a sweep proceeds, with several sweeps overlaid.

The engine computes every number (``Sweep.summary()`` rows, Amdahl's fitted serial fraction,
Karp–Flatt); this view only places them: points at the median speedup with min–max bars, the
Amdahl curve the fit predicts (dashed), efficiency on a right-hand axis (dotted), the ideal
``S = p`` line, and a table of the numbers under the plot so they can be read, not guessed.
Rows arrive one at a time from the sweep thread (via the window); ``add_point`` stores them and
``refresh`` (the window's 30 Hz timer) draws what changed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.cores_plot import apply_palette, export_widget
from workbench import stats

# Okabe-Ito: distinct for colour-blind readers, readable on light and dark backgrounds.
SERIES_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
COLUMNS = ("series", "workers", "median (s)", "speedup", "efficiency", "Karp–Flatt", "noisy")
STYLE_KEY = (
    "─·─&nbsp;ideal S&nbsp;=&nbsp;p",
    "●&nbsp;median, bars&nbsp;min–max, ○&nbsp;noisy",
    "╍╍&nbsp;Amdahl fit",
    "┈┈&nbsp;efficiency (right axis)",
)


@dataclass
class _Series:
    """One sweep's rows and the plot items that show them."""

    label: str
    color: QColor
    items: dict[str, pg.GraphicsObject]
    rows: list[dict[str, Any]] = field(default_factory=list)
    fit: dict[str, Any] | None = None


class SpeedupPlot(QWidget):
    """Speedup (left axis) and efficiency (right axis) against workers, plus a numbers table.

    The legend is a word-wrapped label under the plot rather than a pyqtgraph LegendItem: the
    labels carry the fitted serial fraction and are long, and an item legend either covers
    the data or, placed in the layout, forces the plot wider than a narrow dock.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._series: dict[str, _Series] = {}
        self._dirty = False
        self._next_color = 0
        self._view = pg.PlotWidget()
        self._plot: pg.PlotItem = self._view.getPlotItem()
        self._build_axes()
        self._legend = QLabel()
        self._legend.setWordWrap(True)
        self._legend.setTextFormat(Qt.TextFormat.RichText)
        self._table = QTableWidget(0, len(COLUMNS))
        self._build_table()
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self._view, 1)
        top_layout.addWidget(self._legend)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self._table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        apply_palette(self.palette(), self._view, [self._plot])
        self._fill_legend()

    # -- public API --------------------------------------------------------------------------

    def begin_series(self, key: str, label: str) -> None:
        """Start (or restart, emptied) the series ``key``, shown in the legend as ``label``."""
        if key in self._series:
            self.remove_series(key)
        color = QColor(SERIES_COLORS[self._next_color % len(SERIES_COLORS)])
        self._next_color += 1
        self._series[key] = _Series(label, color, self._make_items(color))
        self._dirty = True

    def add_point(self, key: str, row: dict[str, Any]) -> None:
        """Store one row of ``Sweep.summary()["points"]``; a new key starts a series."""
        if key not in self._series:
            self.begin_series(key, key)
        rows = self._series[key].rows
        rows[:] = sorted(
            [r for r in rows if r["workers"] != row["workers"]] + [dict(row)],
            key=lambda r: r["workers"],
        )
        self._dirty = True

    def set_fit(self, key: str, amdahl: dict[str, Any] | None) -> None:
        """Show the engine's Amdahl fit (``summary["amdahl"]``) for ``key``; None hides it."""
        if key in self._series:
            self._series[key].fit = amdahl
            self._dirty = True

    def show_summary(self, summary: dict[str, Any], key: str | None = None) -> str:
        """Overlay a finished sweep (e.g. from history); returns the series key used."""
        key = key or summary.get("sweep_id") or summary["id"]
        params = ", ".join(f"{k}={v}" for k, v in (summary.get("params") or {}).items())
        self.begin_series(key, f"{summary['id']} ({params})" if params else summary["id"])
        for row in summary["points"]:
            self.add_point(key, row)
        self.set_fit(key, summary.get("amdahl"))
        return key

    def remove_series(self, key: str) -> None:
        """Take a series off the plot, the legend and the table (an unknown key: nothing)."""
        series = self._series.pop(key, None)
        if series is None:
            return
        for name, item in series.items.items():
            (self._eff_vb if name == "eff" else self._plot).removeItem(item)
        self._dirty = True

    def clear(self) -> None:
        """Remove every series."""
        for key in list(self._series):
            self.remove_series(key)
        self._next_color = 0
        self.refresh()

    def series_keys(self) -> list[str]:
        return list(self._series)

    def refresh(self) -> None:
        """Redraw if rows or fits changed since the last call (the window's timer calls this)."""
        if not self._dirty:
            return
        self._dirty = False
        for series in self._series.values():
            self._draw_series(series)
        workers = [r["workers"] for s in self._series.values() for r in s.rows]
        top = max(workers, default=2)
        self._ideal.setData([1, top], [1, top])
        ticks = [(p, str(p)) for p in sorted(set(workers))]  # only the counts that were run
        self._plot.getAxis("bottom").setTicks([ticks] if ticks else None)
        effs = [r["efficiency"] or 0 for s in self._series.values() for r in s.rows]
        self._eff_vb.setYRange(0, max(1.1, 1.05 * max(effs, default=0)), padding=0)
        self._fill_legend()
        self._fill_table()

    def export(self, path: str) -> None:
        """Save plot and table as ``.png`` (raster) or ``.svg`` (vector), by suffix."""
        export_widget(self, path)

    # -- building ----------------------------------------------------------------------------

    def _build_axes(self) -> None:
        plot = self._plot
        plot.setLabel("bottom", "workers (p)")
        plot.setLabel("left", "speedup  T(1) / T(p)")
        plot.setLabel("right", "efficiency  S / p")
        # No grid: pyqtgraph's grid made each repaint ~4x slower (18 ms vs 2-5 ms), which
        # stalled the window at every sweep point (benchmarks/gui_responsiveness.py).
        # Efficiency lives in a second ViewBox sharing the x axis (pyqtgraph's MultiplePlotAxes).
        self._eff_vb = pg.ViewBox()
        plot.scene().addItem(self._eff_vb)
        plot.getAxis("right").linkToView(self._eff_vb)
        self._eff_vb.setXLink(plot)
        self._eff_vb.setMouseEnabled(x=False, y=False)
        plot.vb.sigResized.connect(self._on_view_resized)
        text = self.palette().color(QPalette.ColorRole.Text)
        self._ideal = plot.plot(
            [1, 2], [1, 2], pen=pg.mkPen(text, width=1, style=Qt.PenStyle.DashDotLine)
        )

    def _build_table(self) -> None:
        table = self._table
        table.setHorizontalHeaderLabels(COLUMNS)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().setVisible(False)
        table.setAlternatingRowColors(True)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # long labels elide
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setWordWrap(False)
        table.horizontalHeaderItem(5).setToolTip(
            "Karp–Flatt e = (1/S − 1/p) / (1 − 1/p): the serial fraction measured at p. "
            "If it grows with p, overhead grows with the workers."
        )
        table.horizontalHeaderItem(6).setToolTip("repeats vary by more than 5 % (hollow point)")

    def _make_items(self, color: QColor) -> dict[str, pg.GraphicsObject]:
        points = self._plot.plot(
            pen=pg.mkPen(color, width=1.5),
            symbol="o",
            symbolSize=9,
            symbolPen=color,
            symbolBrush=color,
        )
        bars = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), pen=pg.mkPen(color, width=1.5))
        self._plot.addItem(bars)
        fit = self._plot.plot(pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine))
        eff = pg.PlotDataItem(pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DotLine))
        self._eff_vb.addItem(eff)
        return {"points": points, "bars": bars, "fit": fit, "eff": eff}

    # -- drawing -----------------------------------------------------------------------------

    def _draw_series(self, series: _Series) -> None:
        rows, items = series.rows, series.items
        if not rows:
            for name in ("points", "fit", "eff"):
                items[name].setData([], [])
            items["bars"].setData(x=np.zeros(0), y=np.zeros(0))
            return
        p = np.array([r["workers"] for r in rows], dtype=float)
        s = np.array([r["speedup"] for r in rows], dtype=float)
        # T(1) is the series' baseline time; the engine's speedup is T(1)/median, so this
        # recovers it even when the baseline row is not the first one here.
        t1 = s * np.array([r["median_s"] for r in rows])
        lo = t1 / np.array([r["max_s"] for r in rows])
        hi = t1 / np.array([r["min_s"] for r in rows])
        brushes = [None if r["noisy"] else series.color for r in rows]  # noisy: hollow
        items["points"].setData(p, s, symbolBrush=brushes)
        beam = 0.04 * max(1.0, p.max() - p.min())
        items["bars"].setData(x=p, y=s, top=hi - s, bottom=s - lo, beam=beam)
        items["eff"].setData(p, [r["efficiency"] or np.nan for r in rows])
        if series.fit is None:
            items["fit"].setData([], [])
        else:
            ps = list(range(int(p.min()), int(p.max()) + 1))
            items["fit"].setData(ps, [stats.amdahl(series.fit["serial_fraction"], q) for q in ps])

    def _fill_legend(self) -> None:
        """A line per series (colour, label, fitted serial fraction), then what the styles mean."""
        entries = [
            f'<span style="color:{s.color.name()}">●━━</span>&nbsp;{html.escape(s.label)}'
            + (
                f"&nbsp;— serial fraction {100 * s.fit['serial_fraction']:.1f}&nbsp;%"
                f" (R²&nbsp;{s.fit['r2']:.2f})"
                if s.fit
                else ""
            )
            for s in self._series.values()
        ]
        key = "&nbsp;&nbsp;&nbsp; ".join(
            f'<span style="white-space:nowrap">{e}</span>' for e in STYLE_KEY
        )
        self._legend.setText("<br>".join([*entries, key]))

    def _fill_table(self) -> None:
        rows = [(s, r) for s in self._series.values() for r in s.rows]
        self._table.setRowCount(len(rows))
        for i, (series, row) in enumerate(rows):
            kf = row.get("karp_flatt")
            cells = (
                series.label,
                str(row["workers"]),
                f"{row['median_s']:.4g}",
                "—" if row["speedup"] is None else f"{row['speedup']:.2f}",
                "—" if row["efficiency"] is None else f"{row['efficiency']:.2f}",
                "—" if kf is None else f"{kf:.3f}",
                f"noisy (cv {100 * row['cv']:.0f} %)" if row["noisy"] else "",
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                else:
                    item.setData(Qt.ItemDataRole.DecorationRole, series.color)
                    item.setToolTip(text)
                self._table.setItem(i, j, item)

    # -- Qt ----------------------------------------------------------------------------------

    def _on_view_resized(self) -> None:
        self._eff_vb.setGeometry(self._plot.vb.sceneBoundingRect())
        self._eff_vb.linkedViewChanged(self._plot.vb, self._eff_vb.XAxis)

    def changeEvent(self, event: QEvent) -> None:
        """Recolour axes, background and the neutral lines when the palette changes."""
        if event.type() == QEvent.Type.PaletteChange:
            apply_palette(self.palette(), self._view, [self._plot])
            text = self.palette().color(QPalette.ColorRole.Text)
            self._ideal.setPen(pg.mkPen(text, width=1, style=Qt.PenStyle.DashDotLine))
        super().changeEvent(event)
