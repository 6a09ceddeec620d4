"""Every thread of a traced run on one time axis: what it waited for, which locks it held, and
which release, put, set or notify woke whom.

A busy program leaves hundreds of thousands of waits. One item per wait, or all of them in one
polyline, makes zoom and pan crawl (benchmarks/timeline_fps.py measures both). Here each colour
is one item (:class:`SpanLayer`) that paints only what is in view, merged to whole pixels,
taken from a small pyramid of pre-merged copies built once in ``set_timeline``: a repaint
costs about as much as the screen has pixels, not as the trace has spans.

The shapes come from ``workbench.analysis.Timeline``; this view only places and colours them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QCursor, QFontMetrics, QPalette, QPen
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollBar,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from ui.cores_plot import apply_palette, export_widget
from workbench.analysis import ARROW_DTYPE, ARROW_KINDS, STATE_NAMES, Timeline

# Warm colours for waits (red: a lock), grey for sleep, green for running; locks held are cool.
STATE_COLORS = {
    1: "#E03131",
    2: "#F76707",
    3: "#F2B50A",
    4: "#D6336C",
    5: "#A0522D",
    6: "#FF8FA3",
    7: "#9E9E9E",
    8: "#C9A227",
    9: "#7048E8",
    10: "#1971C2",
    11: "#74C0FC",
    12: "#E599F7",
    13: "#3BC9DB",  # 13-16: MPI (workbench.mpi_analysis)
    14: "#C92A2A",
    15: "#845EF7",
    16: "#FAB005",
}
RUNNING_COLOR = "#2F9E44"
LOCK_COLORS = ("#4DABF7", "#9775FA", "#3BC9DB", "#DA77F2", "#748FFC")
ARROW_COLORS = {1: "#495057", 2: "#0CA678", 3: "#E64980", 4: "#1C7ED6", 5: "#0B7285"}  # 1: text
# Where things sit in lane i's row (y = i - 0.5 .. i + 0.5; the y axis points down).
SPAN_TOP, SPAN_H = -0.32, 0.46
RUN_TOP, RUN_H = -0.14, 0.10
HOLD_TOP, HOLD_H = 0.20, 0.16
LANES_SHOWN = 40  # more and the names overlap at 600 px: scroll instead
MESSAGE_LABELS_UP_TO = 60  # MPI message arrows labelled with their size
COLLECTIVE_BANDS_UP_TO = 2000  # MPI collectives drawn as bands across their ranks
HEADS_UP_TO = 2000  # arrows in view; past that the heads are a blur and cost time
EMPTY_TEXT = "No trace yet: run an experiment with tracing on to see each thread's timeline."


def format_ns(ns: float) -> str:
    """A duration as a person reads it: 850 ns, 12.3 µs, 4.56 ms, 1.25 s."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.0f} ns"


def _merge(lane: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, ...]:
    """Runs sorted by (lane, start) with overlapping or touching ones of a lane made one."""
    n = len(start)
    if n == 0:
        return lane, start, end
    key = lane.astype(np.int64) * (int(end.max()) + 1)  # keeps a running max inside its lane
    reach = np.maximum.accumulate(end + key) - key
    new = np.ones(n, bool)
    new[1:] = (lane[1:] != lane[:-1]) | (start[1:] > reach[:-1])
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, n - 1]
    return lane[first], start[first], reach[last]


class SpanLayer(pg.GraphicsObject):
    """Rectangles of one colour on many lanes, drawn at the screen's resolution.

    ``levels`` holds the spans merged exactly and on coarser grids (each 2x coarser, kept only
    while it saves a quarter of the count). A paint picks the coarsest grid finer than half a
    pixel, takes the runs in view with a binary search per lane, and merges runs that share a
    pixel column: what is drawn is at most a few rectangles per pixel column and lane.
    """

    def __init__(self, name: str, color: str, top: float, height: float, pen: Any = None):
        super().__init__()
        self.name, self.color = name, QColor(color)
        self._brush = pg.mkBrush(color)
        self._pen = pg.mkPen(pen) if pen is not None else QPen(Qt.PenStyle.NoPen)
        self._top, self._height = top, height
        self._levels: list[tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._bounds = QRectF()
        # The array of QRectF pyqtgraph's own BarGraphItem hands to QPainter.drawRects in one
        # call; a Python list of QRectF costs a microsecond per rectangle.
        self._rects = PrimitiveArray(QRectF, 4)
        self.count = 0  # spans given
        self.drawn = 0  # rectangles painted last time

    def set_spans(self, lane: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        """Replace the spans (ns since the trace's start) and rebuild the pyramid."""
        self.prepareGeometryChange()
        self.count, self.drawn = len(start), 0
        self._levels = []
        if self.count:
            order = np.lexsort((start, lane))
            exact = _merge(lane[order].astype(np.int64), start[order], end[order])
            self._levels = self._pyramid(*exact)
            lo, hi = int(exact[1].min()), int(exact[2].max())
            y0 = int(exact[0].min()) + self._top
            y1 = int(exact[0].max()) + self._top + self._height
            self._bounds = QRectF(lo * 1e-9, y0, max(hi - lo, 1) * 1e-9, y1 - y0)
        else:
            self._bounds = QRectF()
        self.update()

    def _pyramid(self, lane: np.ndarray, start: np.ndarray, end: np.ndarray) -> list:
        levels = []
        width = (int(end.max()) - int(start.min())) // 256
        while width >= 64:
            merged = _merge(lane, start // width * width, -(-end // width) * width)
            if len(merged[1]) > len(start) * 3 // 4:
                break
            levels.append((float(width), *merged))
            width //= 2
        levels.append((0.0, lane, start, end))
        return [(w, ln, s, e, *self._keys(ln, s, e)) for w, ln, s, e in levels]

    @staticmethod
    def _keys(lane: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[Any, ...]:
        """Starts and ends offset by lane * k: both ascend over the whole array (runs of a lane
        are disjoint and sorted), so one binary search per lane finds its runs in view."""
        k = int(end.max()) + 1
        return k, start + lane * k, end + lane * k, np.unique(lane)

    def clear(self) -> None:
        self.set_spans(*(np.zeros(0, np.int64),) * 3)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter, *_args) -> None:
        view, px = self.viewRect(), self.pixelWidth()
        self.drawn = 0
        if not self._levels or view is None or px <= 0:
            return
        npp = px * 1e9  # ns per pixel
        x0, x1 = view.left() * 1e9, view.right() * 1e9
        _width, lane, start, end, k, kstart, kend, ids = next(
            lv for lv in self._levels if lv[0] <= npp / 2
        )
        # Per lane, the first run that ends in view and the first that starts past it (the view
        # clipped to 0..k, or a search would run into the next lane's keys).
        lo = np.searchsorted(kend, ids * k + min(max(x0, 0), k - 1))
        hi = np.searchsorted(kstart, ids * k + min(max(x1, 0), k - 1), "right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return
        idx = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(total)
        ln = lane[idx]
        c0 = np.clip(np.floor((start[idx] - x0) / npp), -2, None)
        c1 = np.maximum(np.ceil((end[idx] - x0) / npp), c0 + 1)
        c1 = np.minimum(c1, np.ceil((x1 - x0) / npp) + 2)  # no rectangle far past the edge
        new = np.ones(len(idx), bool)
        new[1:] = (ln[1:] != ln[:-1]) | (c0[1:] > c1[:-1])
        r = np.flatnonzero(new)
        right = c1[np.r_[r[1:] - 1, len(idx) - 1]]
        self._rects.resize(len(r))
        mem = self._rects.ndarray()
        mem[:, 0] = (x0 + c0[r] * npp) * 1e-9
        mem[:, 1] = ln[r] + self._top
        mem[:, 2] = (right - c0[r]) * npp * 1e-9
        mem[:, 3] = self._height
        painter.setPen(self._pen)
        painter.setBrush(self._brush)
        painter.drawRects(*self._rects.drawargs())
        self.drawn = len(r)


class ArrowLayer(pg.GraphicsObject):
    """Lines with a head from a lane's edge to another's: one kind of hand-off."""

    def __init__(self, name: str, color: str) -> None:
        super().__init__()
        self.name, self.color = name, QColor(color)
        self._pen = pg.mkPen(color, width=1.5)
        self._pen.setCosmetic(True)
        self._lines = PrimitiveArray(QLineF, 4)
        self._xy = np.zeros((0, 4))
        self._lo = self._reach = np.zeros(0)
        self._bounds = QRectF()
        self.count = self.drawn = 0

    def set_color(self, color: QColor) -> None:
        self.color = QColor(color)
        self._pen.setColor(self.color)
        self.update()

    def set_arrows(self, arrows: np.ndarray) -> None:
        """``arrows``: rows of ARROW_DTYPE (ns since the start) of this layer's kind."""
        self.prepareGeometryChange()
        down = arrows["lane_to"] > arrows["lane_from"]
        xy = np.column_stack(
            [
                arrows["t_from"] * 1e-9,
                arrows["lane_from"] + np.where(down, SPAN_TOP + SPAN_H, SPAN_TOP),
                arrows["t_to"] * 1e-9,
                arrows["lane_to"] + np.where(down, SPAN_TOP, SPAN_TOP + SPAN_H),
            ]
        ).reshape(-1, 4)
        lo, hi = np.minimum(xy[:, 0], xy[:, 2]), np.maximum(xy[:, 0], xy[:, 2])
        order = np.argsort(lo, kind="stable")
        self._xy, self._lo = xy[order], lo[order]
        self._reach = np.maximum.accumulate(hi[order]) if len(order) else hi
        self.count, self.drawn = len(order), 0
        self._bounds = QRectF()
        if self.count:
            ys = np.r_[xy[:, 1], xy[:, 3]]
            self._bounds = QRectF(lo.min(), ys.min(), hi.max() - lo.min(), np.ptp(ys))
        self.update()

    def clear(self) -> None:
        self.set_arrows(np.zeros(0, ARROW_DTYPE))

    def boundingRect(self) -> QRectF:
        return self._bounds.adjusted(-1e-9, -0.1, 1e-9, 0.1)

    def paint(self, painter, *_args) -> None:
        view, pw, ph = self.viewRect(), self.pixelWidth(), self.pixelHeight()
        self.drawn = 0
        if not self.count or view is None or pw <= 0 or ph <= 0:
            return
        a = int(np.searchsorted(self._reach, view.left()))
        b = int(np.searchsorted(self._lo, view.right(), "right"))
        xy = self._xy[a:b]
        # Sparse arrows get heads; dense ones (more than one per ~12 px) are faint lines, so
        # the waits under them stay readable.
        sparse = len(xy) <= min(HEADS_UP_TO, view.width() / pw / 12)
        segments = np.concatenate([xy, *self._heads(xy, pw, ph)]) if sparse else xy
        self._lines.resize(len(segments))
        self._lines.ndarray()[:] = segments
        pen = QPen(self._pen)
        if not sparse:
            color = QColor(self.color)
            color.setAlpha(60)
            pen.setColor(color)
            pen.setWidthF(1.0)
        painter.setPen(pen)
        painter.drawLines(*self._lines.drawargs())
        self.drawn = len(xy)

    @staticmethod
    def _heads(xy: np.ndarray, pw: float, ph: float, size: float = 9.0) -> list[np.ndarray]:
        """Two short strokes at each tip, 25° either side, sized in pixels."""
        dx, dy = (xy[:, 2] - xy[:, 0]) / pw, (xy[:, 3] - xy[:, 1]) / ph
        norm = np.hypot(dx, dy)
        norm[norm == 0] = 1.0
        ux, uy = -dx / norm, -dy / norm
        out = []
        for angle in (np.radians(25), -np.radians(25)):
            c, s = np.cos(angle), np.sin(angle)
            hx, hy = (ux * c - uy * s) * size * pw, (ux * s + uy * c) * size * ph
            out.append(np.column_stack([xy[:, 2], xy[:, 3], xy[:, 2] + hx, xy[:, 3] + hy]))
        return out


class TimelinePlot(QWidget):
    """One lane per thread: running (thin green), each wait as a coloured block, the locks it
    held as a band under it, and arrows from the release / put / set / notify that ended a
    wait to the thread it woke. Wheel zooms and drag pans the time axis; hovering tells what a
    block is. Fed a finished ``Timeline`` (``set_timeline``), never a stream.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._timeline: Timeline | None = None
        self._names: list[str] = []
        self._marked: set[int] = set()
        self._message_labels: list[pg.TextItem] = []
        self._collective_bands: list[QGraphicsRectItem] = []
        self._summary = QLabel(EMPTY_TEXT)
        self._summary.setWordWrap(True)
        self._fit = QPushButton("Show all")
        self._fit.setToolTip("Zoom out to the whole run (wheel zooms, drag pans)")
        self._fit.clicked.connect(self._on_fit_clicked)
        self._legend = QLabel()
        self._legend.setWordWrap(True)
        self._legend.setTextFormat(Qt.TextFormat.RichText)
        header = QHBoxLayout()
        header.addWidget(self._summary, 1)
        header.addWidget(self._fit)
        self._view = pg.PlotWidget()
        self._item = self._view.getPlotItem()
        self._build_plot()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self._legend)
        self._scroll = QScrollBar(Qt.Orientation.Vertical)
        self._scroll.setToolTip(f"More than {LANES_SHOWN} threads: scroll through them")
        self._scroll.valueChanged.connect(self._on_scroll_value_changed)
        body = QHBoxLayout()
        body.addWidget(self._view, 1)
        body.addWidget(self._scroll)
        layout.addLayout(body, 1)
        self._view.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self.clear()

    # -- public API --------------------------------------------------------------------------

    @property
    def lane_names(self) -> list[str]:
        """The thread names down the left axis, top to bottom."""
        return list(self._names)

    @property
    def marked_lanes(self) -> list[str]:
        """The lanes a highlighted finding marks (▶ before their name and a tinted band)."""
        return [self._names[i] for i in sorted(self._marked)]

    def set_timeline(self, timeline: Timeline | None) -> None:
        """Show a run's timeline (``None`` empties the view); the zoom goes back to all of it."""
        self._timeline = timeline
        self._marked = set()
        if timeline is None or not timeline.lanes:
            self.clear()
            return
        self._names = [str(lane["name"]) for lane in timeline.lanes]
        self._fill_layers(timeline)
        self._index = {"spans": _Lookup(timeline.spans), "holds": _Lookup(timeline.holds)}
        self._set_lane_axis()
        self._fit_lanes()
        self._summary.setText(self._summary_text(timeline))
        self._legend.setText(self._legend_html(timeline))
        self._legend.show()
        self._fit.setEnabled(True)
        self.highlight([])
        self._show_all()

    def clear(self) -> None:
        """Forget the timeline: the plot empties and says how to get one."""
        self._timeline, self._names, self._marked = None, [], set()
        for layer in self._all_layers():
            layer.clear()
        self._label_messages(None)
        self._band_collectives(None)
        self._index = {}
        self._set_lane_axis()
        self._fit_lanes()
        self._summary.setText(EMPTY_TEXT)
        self._legend.hide()
        self._fit.setEnabled(False)

    def highlight(self, events: list[dict[str, Any]]) -> None:
        """Outline these spans: each ``{"lane": i, "start": ns, "end": ns}``, ns since t0 as in
        ``Timeline.spans``; ``"band": "hold"`` outlines the lock-held band instead of the wait.
        An empty list removes every highlight (and the lane marks)."""
        for band, layer in (("wait", self._outline), ("hold", self._outline_holds)):
            mine = [e for e in events if e.get("band", "wait") == band]
            lane = np.array([e["lane"] for e in mine], np.int64)
            start = np.array([e["start"] for e in mine], np.int64)
            end = np.array([max(e["end"], e["start"]) for e in mine], np.int64)
            layer.set_spans(lane, start, end)
        if not events:
            self._mark_lanes(set())

    def highlight_finding(self, finding: dict[str, Any]) -> None:
        """Mark the lanes of the finding's threads and outline its waits and lock holds at the
        finding's locations (``file:line`` strings, as the finding reports them)."""
        threads = set(finding.get("threads", []))
        if self._timeline is None:
            return
        self._outline_where("loc", self._ids(set(finding.get("locations", []))))
        self._mark_lanes({i for i, name in enumerate(self._names) if name in threads})

    def highlight_lock(self, name: str) -> None:
        """Outline every hold of the lock called ``name`` and every wait for it."""
        if self._timeline is None:
            return
        self._outline_where("obj", self._ids({name}))
        self._mark_lanes(set())

    def export(self, path: str) -> None:
        """Save the view as it looks: ``.png`` (raster) or ``.svg`` (vector), by suffix."""
        export_widget(self, path)

    # -- building ----------------------------------------------------------------------------

    def _build_plot(self) -> None:
        item = self._item
        item.setMouseEnabled(x=True, y=False)
        item.hideButtons()
        item.setMenuEnabled(False)
        item.getViewBox().invertY(True)
        item.setLabel("bottom", "time since the trace began", units="s")
        item.getAxis("left").setStyle(tickTextOffset=6)
        self._running = SpanLayer(STATE_NAMES[0], RUNNING_COLOR, RUN_TOP, RUN_H)
        self._states = {
            code: SpanLayer(STATE_NAMES[code], color, SPAN_TOP, SPAN_H)
            for code, color in STATE_COLORS.items()
        }
        self._holds = [
            SpanLayer(f"lock held ({i + 1})", color, HOLD_TOP, HOLD_H)
            for i, color in enumerate(LOCK_COLORS)
        ]
        self._arrows = {k: ArrowLayer(ARROW_KINDS[k], c) for k, c in ARROW_COLORS.items()}
        self._band = SpanLayer("thread of the selection", "#80808030", -0.5, 1.0)
        self._outline = SpanLayer("selected waits", "#00000000", SPAN_TOP - 0.04, SPAN_H + 0.08)
        self._outline_holds = SpanLayer(
            "selected holds", "#00000000", HOLD_TOP - 0.03, HOLD_H + 0.06
        )
        for z, layers in enumerate(
            ([self._band], [self._running], self._states.values(), self._holds),
        ):
            for layer in layers:
                layer.setZValue(z)
                item.addItem(layer)
        for layer in (*self._arrows.values(), self._outline, self._outline_holds):
            layer.setZValue(10)
            item.addItem(layer)
        self._follow_palette()

    def _all_layers(self) -> list[pg.GraphicsObject]:
        return [
            self._band,
            self._running,
            *self._states.values(),
            *self._holds,
            *self._arrows.values(),
            self._outline,
            self._outline_holds,
        ]

    def _fill_layers(self, tl: Timeline) -> None:
        """Hand each layer its share of the shapes (ns since the start, as the Timeline has)."""
        spans, holds = tl.spans, tl.holds
        ends = np.array([lane["end"] - tl.t0_ns for lane in tl.lanes], np.int64)
        for rows in (spans, holds):  # a thread stuck at the end lives until the trace ends
            if len(rows):
                np.maximum.at(ends, rows["lane"], rows["end"])
        starts = np.array([lane["start"] - tl.t0_ns for lane in tl.lanes], np.int64)
        lanes = np.arange(len(tl.lanes), dtype=np.int64)
        self._running.set_spans(lanes, starts, np.maximum(ends, starts))
        for code, layer in self._states.items():
            rows = spans[spans["state"] == code]
            layer.set_spans(rows["lane"], rows["start"], rows["end"])
        colour = holds["obj"] % len(self._holds)
        for i, layer in enumerate(self._holds):
            rows = holds[colour == i]
            layer.set_spans(rows["lane"], rows["start"], rows["end"])
        for kind, layer in self._arrows.items():
            layer.set_arrows(tl.arrows[tl.arrows["kind"] == kind])
        self._label_messages(tl)
        self._band_collectives(tl)
        self._band.clear()

    def _band_collectives(self, tl: Timeline | None) -> None:
        """An MPI collective as a band across its ranks' lanes, first arrival to last exit."""
        for band in self._collective_bands:
            self._item.removeItem(band)
        self._collective_bands = []
        groups = (tl.mpi or {}).get("collectives", []) if tl is not None else []
        lane_of = {name: i for i, name in enumerate(self._names)}
        for g in groups[:COLLECTIVE_BANDS_UP_TO]:
            lanes = [lane_of[f"rank {r}"] for r in g["ranks"] if f"rank {r}" in lane_of]
            if len(lanes) < 2 or g["end_ns"] is None:
                continue
            x0, x1 = (g["start_ns"] - tl.t0_ns) / 1e9, (g["end_ns"] - tl.t0_ns) / 1e9
            band = QGraphicsRectItem(x0, min(lanes) - 0.48, x1 - x0, max(lanes) - min(lanes) + 0.96)
            band.setBrush(QColor(132, 94, 247, 45))
            band.setPen(QPen(Qt.PenStyle.NoPen))
            band.setZValue(-1)
            band.setToolTip(f"{g['call']} on {g['comm']}")
            self._item.addItem(band)
            self._collective_bands.append(band)

    def _label_messages(self, tl: Timeline | None) -> None:
        """MPI messages carry their size beside the arrow, while there are few enough to read."""
        for label in self._message_labels:
            self._item.removeItem(label)
        self._message_labels = []
        rows = tl.arrows[tl.arrows["kind"] == 5] if tl is not None else []
        for row in rows if len(rows) <= MESSAGE_LABELS_UP_TO else []:
            label = pg.TextItem(tl.strings.get(int(row["obj"]), ""), color="#0B7285", anchor=(0, 1))
            label.setPos(
                (row["t_from"] + row["t_to"]) / 2e9, (row["lane_from"] + row["lane_to"]) / 2
            )
            label.setZValue(20)  # above the spans it crosses
            self._item.addItem(label)
            self._message_labels.append(label)

    def _set_lane_axis(self) -> None:
        names = [("▶ " if i in self._marked else "") + n for i, n in enumerate(self._names)]
        axis = self._item.getAxis("left")
        axis.setTicks([[(i, n) for i, n in enumerate(names)], []])
        metrics = QFontMetrics(axis.style.get("tickFont") or self.font())
        width = max([metrics.horizontalAdvance(n) for n in names] or [40])
        axis.setWidth(min(260, width + 16))

    def _fit_lanes(self) -> None:
        """All lanes in view, or the first LANES_SHOWN and a scroll bar for the rest."""
        n = max(1, len(self._names))
        self._item.getViewBox().setLimits(yMin=-0.5, yMax=n - 0.5)
        self._scroll.setVisible(n > LANES_SHOWN)
        self._scroll.setRange(0, max(0, n - LANES_SHOWN))
        self._scroll.setPageStep(LANES_SHOWN)
        self._scroll.setValue(0)
        self._on_scroll_value_changed(0)

    def _mark_lanes(self, lanes: set[int]) -> None:
        self._marked = lanes
        tl = self._timeline
        if tl is not None:
            end = tl.t1_ns - tl.t0_ns
            rows = sorted(lanes)
            zeros = np.zeros(len(rows), np.int64)
            self._band.set_spans(np.array(rows, np.int64), zeros, zeros + max(end, 1))
        self._set_lane_axis()

    def _show_all(self) -> None:
        tl = self._timeline
        span = max(tl.t1_ns - tl.t0_ns, 1000) * 1e-9 if tl else 1.0
        vb = self._item.getViewBox()
        vb.setLimits(xMin=-0.02 * span, xMax=1.02 * span, minXRange=1e-6)
        self._item.setXRange(0, span, padding=0.01)

    def _ids(self, texts: set[str]) -> set[int]:
        tl = self._timeline
        return {i for i, text in tl.strings.items() if text in texts} if tl else set()

    def _outline_where(self, field: str, ids: set[int]) -> None:
        """Outline the waits and holds whose ``field`` (obj or loc) is one of ``ids``."""
        tl = self._timeline
        wanted = np.array(sorted(ids), np.int64)
        for rows, layer in ((tl.spans, self._outline), (tl.holds, self._outline_holds)):
            hit = rows[np.isin(rows[field], wanted)] if tl is not None else rows[:0]
            layer.set_spans(hit["lane"], hit["start"], hit["end"])

    # -- text --------------------------------------------------------------------------------

    @staticmethod
    def _summary_text(tl: Timeline) -> str:
        return (
            f"{len(tl.lanes)} threads · {len(tl.spans):,} waits · {len(tl.holds):,} lock holds"
            f" · {len(tl.arrows):,} hand-offs · {format_ns(tl.t1_ns - tl.t0_ns)} traced"
        )

    def _legend_html(self, tl: Timeline) -> str:
        def swatch(color: str, text: str, mark: str = "■") -> str:
            return f'<span style="color:{color}">{mark}</span>&nbsp;{text}'

        parts = [swatch(RUNNING_COLOR, "running")]
        present = set(np.unique(tl.spans["state"]).tolist())
        parts += [swatch(STATE_COLORS[c], STATE_NAMES[c]) for c in STATE_COLORS if c in present]
        if len(tl.holds):
            used = sorted(set((np.unique(tl.holds["obj"]) % len(LOCK_COLORS)).tolist()))
            marks = "".join(f'<span style="color:{LOCK_COLORS[i]}">■</span>' for i in used)
            parts.append(f"{marks}&nbsp;lock held (band below; a colour per lock)")
        kinds = set(np.unique(tl.arrows["kind"]).tolist())
        parts += [
            swatch(layer.color.name(), layer.name, "➝")
            for k, layer in self._arrows.items()
            if k in kinds
        ]
        return " &nbsp; ".join(parts)

    def _hover_text(self, x_ns: float, y: float, tol_ns: float) -> str | None:
        tl = self._timeline
        lane = round(y)
        if tl is None or not 0 <= lane < len(self._names):
            return None
        name, dy = self._names[lane], y - lane
        in_holds = HOLD_TOP - 0.03 <= dy <= HOLD_TOP + HOLD_H + 0.03
        row = self._index["holds" if in_holds else "spans"].at(lane, x_ns, tol_ns)
        if row is None:
            return None if in_holds else f"{name}\nrunning (no traced wait here)"
        obj = tl.strings.get(int(row["obj"]), "?")
        loc = tl.strings.get(int(row["loc"]), "") or "unknown line"
        what = f"holds {obj}" if in_holds else f"{STATE_NAMES[int(row['state'])]}: {obj}"
        start, end = int(row["start"]), int(row["end"])
        return (
            f"{name}\n{what}\nat {loc}\n"
            f"{format_ns(start)} → {format_ns(end)}  ({format_ns(end - start)})"
        )

    # -- Qt ----------------------------------------------------------------------------------

    def _on_scroll_value_changed(self, first: int) -> None:
        shown = min(max(1, len(self._names)), LANES_SHOWN)
        self._item.setYRange(first - 0.5, first + shown - 0.5, padding=0)

    def _on_fit_clicked(self) -> None:
        self._show_all()

    def _on_scene_mouse_moved(self, pos: QPointF) -> None:
        vb = self._item.getViewBox()
        text = None
        if self._timeline is not None and vb.sceneBoundingRect().contains(pos):
            p = vb.mapSceneToView(pos)
            text = self._hover_text(p.x() * 1e9, p.y(), 4 * self._running.pixelWidth() * 1e9)
        if text:
            QToolTip.showText(QCursor.pos(), text, self._view)
        else:
            QToolTip.hideText()

    def _follow_palette(self) -> None:
        pal = self.palette()
        apply_palette(pal, self._view, [self._item])
        pen = pg.mkPen(pal.color(QPalette.ColorRole.Highlight), width=2)
        pen.setCosmetic(True)
        self._outline._pen = self._outline_holds._pen = pen
        self._arrows[1].set_color(pal.color(QPalette.ColorRole.Text))  # the common kind: neutral
        if self._timeline is not None:
            self._legend.setText(self._legend_html(self._timeline))
        band = QColor(pal.color(QPalette.ColorRole.Highlight))
        band.setAlpha(30)
        self._band._brush = pg.mkBrush(band)

    def changeEvent(self, event: QEvent) -> None:
        """Recolour axes, background and highlights when the palette flips light/dark."""
        if event.type() == QEvent.Type.PaletteChange:
            self._follow_palette()
        super().changeEvent(event)


class _Lookup:
    """Which span (or hold) is at a time on a lane: sorted by (lane, start), with a running
    maximum of the ends so nested and long spans are found by binary search."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows[np.lexsort((rows["start"], rows["lane"]))] if len(rows) else rows
        self._k = int(rows["end"].max()) + 1 if len(rows) else 1
        lane = self.rows["lane"].astype(np.int64) * self._k
        self._start = self.rows["start"] + lane
        self._reach = np.maximum.accumulate(self.rows["end"] + lane) if len(rows) else lane

    def at(self, lane: int, t: float, tol: float) -> np.void | None:
        base, top = lane * self._k, self._k - 1
        a = int(np.searchsorted(self._reach, base + min(max(t - tol, 0), top)))
        b = int(np.searchsorted(self._start, base + min(max(t + tol, 0), top), "right"))
        rows = self.rows[a:b]
        rows = rows[(rows["lane"] == lane) & (rows["end"] >= t - tol) & (rows["start"] <= t + tol)]
        if not len(rows):
            return None
        inside = (rows["start"] <= t) & (rows["end"] >= t)
        pool = rows[inside] if inside.any() else rows
        return pool[np.argmin(pool["end"] - pool["start"])]
