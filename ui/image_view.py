"""A 2-D result picture (Mandelbrot iterations, an ownership map, a wrong-cell mask) with its
colour bar, and the cell under the mouse read out as row, column and value.

Why a view of its own: a recipe's ``result["images"]`` entries are plain lists of lists, and the
lesson is often in single cells ("these 48 cells were written twice"), so the picture is drawn
as a matrix (row 0 at the top, one square per cell) and hovering names the cell. The
"ownership" map is discrete (0 = never written, 1 = once, 2 = twice) and counts each value under
the picture; "diverging" centres its colour range on 0 so a sign reads as a hue.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.cores_plot import apply_palette

CMAPS = ("viridis", "magma", "diverging", "ownership")
DIVERGING = "CET-D1"  # blue - white - red, perceptually even (colorcet)
# Data colours, readable on light and dark backgrounds; the middle one is deliberately quiet.
OWNERSHIP = (
    (0, "#d32f2f", "never written"),
    (1, "#90a4ae", "once"),
    (2, "#ffb300", "twice"),
)
CENTRED_TICKS_UP_TO = 10
ASPECT_LOCK_UP_TO = 4.0  # a 1×256 histogram strip fills the width instead of a thin line


def _ownership_map() -> pg.ColorMap:
    """Three flat colour steps over (-0.5, 2.5): a value rounds to its own colour."""
    pos, colours = [], []
    for k, (_value, colour, _text) in enumerate(OWNERSHIP):
        pos += [k / 3, (k + 1) / 3]
        colours += [colour, colour]
    return pg.ColorMap(pos, colours)


def _centred_ticks(n: int) -> list | None:
    """Small sides: a tick per cell, at its centre (cell k spans k..k+1); big ones: automatic."""
    if n > CENTRED_TICKS_UP_TO:
        return None
    return [[(k + 0.5, str(k)) for k in range(n)]]


class ImageView(QWidget):
    """One named picture: title, image, colour bar, hover read-out (and a legend for ownership)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._data = np.zeros((0, 0))
        self._cmap = "viridis"
        self._title = QLabel()
        self._title.setWordWrap(True)
        self._hover = QLabel(" ")
        self._legend = QLabel()
        self._legend.setTextFormat(Qt.TextFormat.RichText)
        self._view = pg.GraphicsLayoutWidget()
        self._plot: pg.PlotItem = self._view.addPlot(row=0, col=0)
        self._image = pg.ImageItem(axisOrder="row-major")  # data[row, col], as a matrix prints
        self._plot.addItem(self._image)
        self._plot.invertY(True)  # row 0 at the top
        self._plot.setLabel("bottom", "column")
        self._plot.setLabel("left", "row")
        self._plot.hideButtons()
        self._plot.setMenuEnabled(False)
        self._bar = pg.ColorBarItem(width=18, interactive=False, colorMapMenu=False)
        self._bar.setImageItem(self._image)
        self._view.addItem(self._bar, row=0, col=1)
        self._hover_proxy = pg.SignalProxy(
            self._view.scene().sigMouseMoved, rateLimit=60, slot=self._on_scene_mouse_moved
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(self._title)
        layout.addWidget(self._view, 1)
        bottom = QWidget()
        row = QVBoxLayout(bottom)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._legend)
        row.addWidget(self._hover)
        layout.addWidget(bottom)
        self._follow_palette()

    # -- public API --------------------------------------------------------------------------

    def set_image(self, data: Any, cmap: str = "viridis", label: str = "") -> None:
        """Show ``data`` (a 2-D list of numbers, or a 1-D list as one row) with ``cmap``.

        An unknown ``cmap`` falls back to viridis rather than failing a whole result view.
        """
        array = np.asarray(data, dtype=float)
        if array.ndim == 1:
            array = array[np.newaxis, :]
        self._data = array if array.ndim == 2 else np.zeros((0, 0))
        self._cmap = cmap if cmap in CMAPS else "viridis"
        rows, cols = self._data.shape
        self._title.setText(f"<b>{label}</b>  <span>({rows}×{cols})</span>" if label else "")
        self._title.setVisible(bool(label))
        self._image.setImage(self._data, autoLevels=False, levels=self._levels())
        self._image.setRect(0, 0, cols, rows)
        self._style_bar()
        aspect = max(rows, cols) / max(1, min(rows, cols))
        self._plot.setAspectLocked(aspect <= ASPECT_LOCK_UP_TO)
        self._plot.setRange(xRange=(0, cols), yRange=(0, rows), padding=0.02)
        self._plot.getAxis("bottom").setTicks(_centred_ticks(cols))
        self._plot.getAxis("left").setTicks(_centred_ticks(rows))
        self._legend.setText(self._legend_text())
        self._legend.setVisible(self._cmap == "ownership")
        self._hover.setText("<i>hover over the picture to read a cell</i>")

    def counts(self) -> dict[int, int]:
        """Cells per ownership value (0, 1, 2 and any other value seen); what the legend shows."""
        finite = self._data[np.isfinite(self._data)].astype(int)
        values, n = np.unique(finite, return_counts=True)
        out = {value: 0 for value, _c, _t in OWNERSHIP}
        out.update({int(v): int(c) for v, c in zip(values, n, strict=True)})
        return out

    def levels(self) -> tuple[float, float]:
        """The value range the colour bar spans (symmetric about 0 for "diverging")."""
        return self._levels()

    def cell_text(self, row: int, col: int) -> str:
        """The read-out for one cell, as the hover line shows it."""
        value = self._data[row, col]
        text = "nan" if not np.isfinite(value) else f"{value:.6g}"
        if self._cmap == "ownership":
            names = {v: t for v, _c, t in OWNERSHIP}
            text += f" ({names.get(int(value), 'more than twice')})" if np.isfinite(value) else ""
        return f"row {row}, col {col}: {text}"

    # -- drawing -----------------------------------------------------------------------------

    def _levels(self) -> tuple[float, float]:
        finite = self._data[np.isfinite(self._data)]
        if self._cmap == "ownership":
            return (-0.5, 2.5)
        if finite.size == 0:
            return (0.0, 1.0)
        if self._cmap == "diverging":
            top = float(np.abs(finite).max()) or 1.0
            return (-top, top)
        low, high = float(finite.min()), float(finite.max())
        return (low, high) if high > low else (low - 0.5, high + 0.5)

    def _style_bar(self) -> None:
        if self._cmap == "ownership":
            colour_map = _ownership_map()
        else:
            colour_map = pg.colormap.get(DIVERGING if self._cmap == "diverging" else self._cmap)
        self._bar.setColorMap(colour_map)
        self._bar.setLevels(self._levels())
        ticks = [[(v, str(v)) for v, _c, _t in OWNERSHIP]] if self._cmap == "ownership" else None
        self._bar.axis.setTicks(ticks)

    def _legend_text(self) -> str:
        counts = self.counts()
        total = max(1, sum(counts.values()))
        parts = [
            f'<span style="color:{colour}; font-size:large">■</span>&nbsp;{value} {text}: '
            f"<b>{counts[value]:,}</b> ({100 * counts[value] / total:.0f}&nbsp;%)"
            for value, colour, text in OWNERSHIP
        ]
        more = sum(n for v, n in counts.items() if v not in (0, 1, 2))
        if more:
            parts.append(f"other values: <b>{more:,}</b>")
        return "&nbsp;&nbsp;&nbsp; ".join(parts)

    def _follow_palette(self) -> None:
        apply_palette(self.palette(), self._view, [self._plot], (self._bar.axis,))

    # -- Qt ----------------------------------------------------------------------------------

    def _on_scene_mouse_moved(self, event: tuple[QPointF]) -> None:
        point = self._plot.vb.mapSceneToView(event[0])
        row, col = int(np.floor(point.y())), int(np.floor(point.x()))
        rows, cols = self._data.shape
        if 0 <= row < rows and 0 <= col < cols:
            self._hover.setText(self.cell_text(row, col))

    def changeEvent(self, event: QEvent) -> None:
        """Light and dark palettes: background and axes follow."""
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "_bar"):
            self._follow_palette()
        super().changeEvent(event)
