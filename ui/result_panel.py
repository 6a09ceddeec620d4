"""A run's observable in a readable form: status, timings, the summary sentence, values, tables,
series and images.

Why not a JSON dump: a workshop attendee should see "499 updates lost" at a glance, the lost
count in a warning colour, every list of records as a table, the buffer level as a curve and
an OpenCL run's ``images`` (Mandelbrot, ownership map) as pictures it can hover over.
The panel only lays out what ``RunRecord.as_dict()`` already holds; it computes nothing.
"""

from __future__ import annotations

import copy
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.image_view import ImageView

STATUS_COLOURS = {
    "ok": "#2e7d32",
    "failed": "#c62828",
    "timeout": "#e65100",
    "cancelled": "#616161",
    "interrupted": "#616161",
    "running": "#1565c0",
}
WARNING_COLOUR = QColor(255, 152, 0, 120)  # translucent amber: the cell text stays readable
ROW_CAP = 500  # rows shown per table; a longer list says how many it left out
VISIBLE_ROWS = 10  # a table taller than this scrolls inside itself
CURVE_COLOUR = (31, 119, 180)
IMAGE_HEIGHT = 380  # a square picture, its colour bar and its legend, readable at 1366x768
PARTIAL_NOTE = "partial result, recorded before the run ended"
LIVE_NOTE = "live partial result: the run is still going"


def format_seconds(value: float) -> str:
    """Seconds in the unit a person reads fastest (µs, ms or s)."""
    size = abs(value)
    if size == 0:
        return "0 s"
    if size < 1e-3:
        return f"{value * 1e6:.3g} µs"
    if size < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.4g} s"


def format_value(key: str, value: Any) -> str:
    """One value as a cell shows it; keys ending in ``_s`` are durations in seconds."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and key.endswith("_s"):
        return format_seconds(float(value))
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        if not value:
            return "(none)"
        shown = ", ".join(format_value(key, v) for v in value[:20])
        return shown + (f" … ({len(value)} in all)" if len(value) > 20 else "")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(str(k), v)}" for k, v in value.items())
    return str(value)


def mismatched(values: dict[str, Any]) -> set[str]:
    """The keys to show in the warning colour: expected differs from actual, or lost > 0."""
    keys: set[str] = set()
    if "expected" in values and "actual" in values and values["expected"] != values["actual"]:
        keys |= {"expected", "actual"}
    lost = values.get("lost")
    if isinstance(lost, int | float) and not isinstance(lost, bool) and lost > 0:
        keys.add("lost")
    return keys


def _is_series(key: str, value: Any) -> bool:
    return key == "series" and isinstance(value, dict)


def _is_images(key: str, value: Any) -> bool:
    return key == "images" and isinstance(value, dict)


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _as_rows(key: str, value: dict[str, Any]) -> list[dict[str, Any]]:
    """A dict value as table rows: one row per entry (its fields, or its value)."""
    if all(isinstance(v, dict) for v in value.values()):
        return [{"name": k, **v} for k, v in value.items()]
    return [{"name": k, key: v} for k, v in value.items()]


def _fill_table(table: QTableWidget, rows: list[dict[str, Any]]) -> None:
    """Columns from the rows' keys in first-seen order; at most ROW_CAP rows."""
    shown = rows[:ROW_CAP]
    columns = list(dict.fromkeys(k for row in shown for k in row))
    table.setColumnCount(len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setRowCount(len(shown))
    for r, row in enumerate(shown):
        for c, col in enumerate(columns):
            text = format_value(col, row[col]) if col in row else ""
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    _fit_height(table, VISIBLE_ROWS)


def _fit_height(table: QTableWidget, max_rows: int) -> None:
    """As tall as its rows up to max_rows, so the panel scrolls rather than each small table."""
    rows = min(table.rowCount(), max_rows)
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(r) for r in range(rows))
    if table.rowCount() > max_rows:
        height += table.horizontalScrollBar().sizeHint().height()
    table.setFixedHeight(height)


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def _new_table() -> QTableWidget:
    table = QTableWidget()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
    table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
    table.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setAlternatingRowColors(True)
    return table


class _TableSection(QWidget):
    """A titled table for one list-of-records (or dict) value of the result."""

    def __init__(self, title: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        self.title = QLabel(f"<b>{title}</b>")
        self.table = _new_table()
        self.note = QLabel()
        for w in (self.title, self.table, self.note):
            layout.addWidget(w, alignment=Qt.AlignmentFlag.AlignLeft)

    def update_rows(self, rows: list[dict[str, Any]]) -> None:
        _fill_table(self.table, rows)
        left_out = len(rows) - ROW_CAP
        shown = f"<i>first {ROW_CAP:,} of {len(rows):,} rows shown</i>"
        self.note.setText(shown if left_out > 0 else "")
        self.note.setVisible(left_out > 0)


class _SeriesPlot(pg.PlotWidget):
    """One named series {"t": [...], "v": [...]} against seconds; its curve is created once."""

    def __init__(self, name: str, stepped: bool) -> None:
        super().__init__()
        self._name = name
        self.setLabel("bottom", "time", units="s")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setFixedHeight(200)
        self.setMouseEnabled(x=True, y=False)
        self.curve = self.plot(
            pen=pg.mkPen(CURVE_COLOUR, width=2), stepMode="left" if stepped else None
        )
        self._follow_palette()

    def changeEvent(self, event: QEvent) -> None:
        """Light and dark palettes: the plot's background, axes and title follow."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "curve"):
            self._follow_palette()  # PlotWidget's own __init__ changes the palette, too

    def _follow_palette(self) -> None:
        text = self.palette().color(QPalette.ColorRole.Text)
        self.setBackground(self.palette().color(QPalette.ColorRole.Base))
        self.setTitle(self._name, color=text.name(), size="11pt")
        for axis in ("left", "bottom"):
            self.getAxis(axis).setTextPen(text)
            self.getAxis(axis).setPen(text)
        self.getAxis("bottom").setLabel("time", units="s", color=text.name())

    def update_series(self, series: dict[str, list[float]]) -> None:
        t, v = series.get("t", []), series.get("v", [])
        n = min(len(t), len(v))
        self.curve.setData(t[:n], v[:n])


class ResultPanel(QWidget):
    """Shows one run's record, or a live run's partial result, as headline, tables and plots."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._last_partial: dict[str, Any] | None = None
        self._sections: dict[tuple[str, str], QWidget] = {}
        self._build()
        self.clear()

    # -- public -----------------------------------------------------------------------------
    def show_record(self, record: dict[str, Any]) -> None:
        """Show a finished run (``RunRecord.as_dict()``): its result, or what it left behind."""
        self._last_partial = None
        status = str(record.get("status", ""))
        self._set_headline(status, self._timing_text(record), self._run_text(record))
        if status == "ok" and record.get("result") is not None:
            self._note.hide()
            self._error.hide()
            self._show_values(record["result"])
            return
        partial = record.get("partial") or {}
        self._set_note(PARTIAL_NOTE if partial else "no partial result was recorded")
        self._error.setText(self._error_text(status, record.get("error")))
        self._error.setStyleSheet(f"color: {self._warning_text()}; font-weight: bold;")
        self._error.setVisible(bool(self._error.text()))
        self._show_values(partial)

    def show_partial(self, partial: dict[str, Any]) -> None:
        """Show a live run's partial result; cheap when nothing changed since the last call."""
        if partial == self._last_partial:
            return
        self._last_partial = copy.deepcopy(partial)  # safe even if the caller mutates it
        self._set_headline("running", "", "")
        self._set_note(LIVE_NOTE)
        self._error.hide()
        self._show_values(partial)

    def clear(self) -> None:
        """Back to the empty state, before any run."""
        self._last_partial = None
        self._badge.hide()
        self._timing.setText("")
        self._run.setText("")
        self._summary.setText("No run yet: pick a recipe and press Run.")
        self._summary.show()
        self._note.hide()
        self._error.hide()
        self._values_title.hide()
        self._values.hide()
        self._sync_sections([])

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self._badge = QLabel()
        self._timing = QLabel()
        self._run = QLabel()
        self._run.setWordWrap(True)
        self._summary = QLabel()
        self._summary.setWordWrap(True)
        font = self._summary.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        self._summary.setFont(font)
        self._note = QLabel()
        self._error = QLabel()
        self._error.setWordWrap(True)
        self._values_title = QLabel("<b>values</b>")
        self._values = _new_table()
        headline = QHBoxLayout()
        headline.addWidget(self._badge)
        headline.addWidget(self._timing, 1)
        content = QWidget()
        self._layout = QVBoxLayout(content)
        self._layout.addLayout(headline)
        for w in (self._run, self._summary, self._error, self._note):
            self._layout.addWidget(w)
        self._layout.addWidget(self._values_title)
        self._layout.addWidget(self._values, alignment=Qt.AlignmentFlag.AlignLeft)
        self._layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def _set_headline(self, status: str, timing: str, run: str) -> None:
        colour = STATUS_COLOURS.get(status, "#616161")
        self._badge.setText(status or "?")
        self._badge.setStyleSheet(
            f"background: {colour}; color: white; font-weight: bold; padding: 3px 10px;"
            "border-radius: 4px;"
        )
        self._badge.show()
        self._timing.setText(timing)
        self._run.setText(run)
        self._run.setVisible(bool(run))

    def _set_note(self, text: str) -> None:
        self._note.setText(f"<i>{text}</i>")
        self._note.show()

    def _warning_text(self) -> str:
        dark = self.palette().color(QPalette.ColorRole.Base).lightness() < 128
        return "#ff8a80" if dark else "#b71c1c"

    @staticmethod
    def _timing_text(record: dict[str, Any]) -> str:
        parts = []
        if record.get("wall_s") is not None:
            parts.append(f"wall {format_seconds(record['wall_s'])}")
        if record.get("startup_s") is not None:
            parts.append(f"start-up {format_seconds(record['startup_s'])}")
        repeats = len(record.get("repeats") or [])
        if repeats > 1:
            parts.append(f"median of {repeats} repeats")
        return "   ·   ".join(parts)

    @staticmethod
    def _run_text(record: dict[str, Any]) -> str:
        params = ", ".join(
            f"{k}={format_value('', v)}" for k, v in (record.get("params") or {}).items()
        )
        return f"{record.get('id', '')}   {params}".strip()

    @staticmethod
    def _error_text(status: str, error: dict[str, str] | None) -> str:
        if error:
            return f"{error.get('type', 'Error')}: {error.get('message', '')}".strip()
        return {
            "timeout": "timed out: the run hung or was too slow, and was ended",
            "cancelled": "cancelled before it finished",
            "interrupted": "interrupted: the workbench stopped before the run ended",
        }.get(status, "")

    # -- values -----------------------------------------------------------------------------
    def _show_values(self, values: dict[str, Any]) -> None:
        self._summary.setText(str(values.get("summary", "")))
        self._summary.setVisible(bool(self._summary.text()))
        scalars = {
            k: v
            for k, v in values.items()
            if k != "summary" and not _is_rows(v) and not isinstance(v, dict)
        }
        self._fill_values(scalars, mismatched(values))
        wanted: list[tuple[tuple[str, str], Any]] = []
        for key, value in values.items():
            if _is_series(key, value):
                wanted += [(("plot", name), s) for name, s in value.items() if isinstance(s, dict)]
            elif _is_images(key, value):
                wanted += [(("image", name), i) for name, i in value.items() if isinstance(i, dict)]
            elif _is_rows(value):
                wanted.append((("table", key), value))
            elif isinstance(value, dict) and value:
                wanted.append((("table", key), _as_rows(key, value)))
        self._sync_sections(wanted)

    def _fill_values(self, scalars: dict[str, Any], warn: set[str]) -> None:
        table = self._values
        table.setColumnCount(2)
        table.setHorizontalHeaderLabels(["name", "value"])
        table.setRowCount(len(scalars))
        for r, (key, value) in enumerate(scalars.items()):
            items = QTableWidgetItem(key), QTableWidgetItem(format_value(key, value))
            for c, item in enumerate(items):
                if key in warn:
                    item.setBackground(WARNING_COLOUR)
                    item.setFont(_bold())
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        _fit_height(table, 40)
        self._values_title.setVisible(bool(scalars))
        table.setVisible(bool(scalars))

    def _sync_sections(self, wanted: list[tuple[tuple[str, str], Any]]) -> None:
        """Update sections in place when the same ones are wanted (live runs), else rebuild."""
        keys = [key for key, _ in wanted]
        if keys != list(self._sections):
            for widget in self._sections.values():
                self._layout.removeWidget(widget)
                widget.setParent(None)
                widget.deleteLater()
            self._sections = {}
            for kind, name in keys:
                widget = self._new_section(kind, name, wanted)
                self._layout.insertWidget(self._layout.count() - 1, widget)
                widget.show()
                self._sections[(kind, name)] = widget
        for key, data in wanted:
            section = self._sections[key]
            if isinstance(section, _TableSection):
                section.update_rows(data)
            elif isinstance(section, ImageView):
                section.set_image(
                    data.get("data", []), data.get("cmap", "viridis"), data.get("label") or key[1]
                )
            else:
                section.update_series(data)

    def _new_section(
        self, kind: str, name: str, wanted: list[tuple[tuple[str, str], Any]]
    ) -> QWidget:
        if kind == "table":
            return _TableSection(name)
        if kind == "image":
            view = ImageView()
            view.setFixedHeight(IMAGE_HEIGHT)
            return view
        return self._new_plot(name, wanted)

    def _new_plot(self, name: str, wanted: list[tuple[tuple[str, str], Any]]) -> _SeriesPlot:
        data = dict(wanted)[("plot", name)]
        values = data.get("v", [])
        stepped = bool(values) and all(isinstance(v, int) for v in values)
        return _SeriesPlot(name, stepped)
