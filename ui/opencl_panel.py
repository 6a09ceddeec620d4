"""The OpenCL views: which device, where a run's time went, how close it came to the hardware.

Four parts, all fed plain data (the GUI process never imports pyopencl: discovery runs in a
child ``python -m workbench.opencl --json`` started by :meth:`OpenCLPanel.load_devices_async`):

- a device picker ("auto" first) and the chosen device's properties;
- phase bars for the last run: host→device, kernel and device→host from OpenCL profiling events,
  stacked, beside the host's wall time for the same section (the gap is Python and enqueueing);
- the roofline of the device (memory roof GB/s × intensity, compute roof GFLOP/s) with each
  run placed at its measured intensity and GFLOP/s;
- the work-group size sweep: kernel time (bars) and GFLOP/s (line) per local size.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QProcess, QProcessEnvironment, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui.cores_plot import apply_palette
from workbench.paths import project_root

AUTO = "auto"
DISCOVERY_TIMEOUT_MS = 60_000  # PoCL's first start compiles its kernel library: be patient
BYTE_KEYS = ("mem", "alloc", "bytes", "cache")
# Okabe-Ito data colours: distinct for colour-blind readers, on light and dark backgrounds.
PHASES = (
    ("h2d", "host→device", "#0072B2"),
    ("kernel", "kernel", "#E69F00"),
    ("d2h", "device→host", "#009E73"),
)
HOST_COLOUR = "#999999"
RUN_COLOUR = "#D55E00"
ROOF_COLOUR = "#56B4E9"
BAR_OK, BAR_WRONG = "#0072B2", "#CC3311"
PHASE_AXIS_WIDTH = 110
RUNS_SHOWN = 40  # points on the roofline; older runs drop off


def format_ms(value: float) -> str:
    """Milliseconds as read fastest: µs below 0.1 ms."""
    if abs(value) < 0.1:
        return f"{value * 1000:.3g} µs"
    return f"{value:.3g} ms"


def swatch(colour: str) -> str:
    return f'<span style="color:{colour}; font-size:large">■</span>&nbsp;'


def _number(value: Any) -> float | None:
    """A finite positive float, or None (missing, null, text, zero or negative)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if np.isfinite(value) and value > 0 else None


def _decade_label(value: float) -> str:
    return f"{value:g}" if 1e-3 <= value < 1e5 else f"{value:.0e}"


def log_ticks(lo: float, hi: float) -> list[list[tuple[float, str]]]:
    """Ticks for a log10 axis spanning ``lo..hi`` (in log10 units): labelled decades, with 2
    and 5 labelled too when three decades or fewer show. pyqtgraph's own log ticks label every
    minor step, and they overlap when a dock is narrow."""
    decades = range(int(np.floor(lo)), int(np.ceil(hi)) + 1)
    labelled = (1, 2, 5) if len(decades) < 4 else (1,)
    major, minor = [], []
    for d in decades:
        for m in range(1, 10):
            pos = d + np.log10(m)
            if not lo <= pos <= hi:
                continue
            if m in labelled:
                major.append((pos, _decade_label(m * 10.0**d)))
            else:
                minor.append((pos, ""))
    return [major, minor]


class _Chart(QWidget):
    """A note line above one pyqtgraph plot, both following the light or dark palette."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.view = pg.PlotWidget()
        self.view.setObjectName(name)
        self.plot: pg.PlotItem = self.view.getPlotItem()
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.header = QHBoxLayout()
        self.header.addWidget(self.note, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(self.header)
        layout.addWidget(self.view, 1)

    def follow_palette(self) -> None:
        apply_palette(self.palette(), self.view, [self.plot], self.extra_axes())

    def extra_axes(self) -> tuple[pg.AxisItem, ...]:
        return ()

    def text_colour(self) -> str:
        return self.palette().color(QPalette.ColorRole.Text).name()

    def changeEvent(self, event: QEvent) -> None:
        """Recolour background, axes and text items when the palette changes."""
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "plot"):
            self.follow_palette()
        super().changeEvent(event)


class PhaseBars(_Chart):
    """One stacked bar of the OpenCL event times (h2d | kernel | d2h) above the host wall bar.

    The two bars share the ms axis, so the host's overhead around the device work (Python,
    enqueue, waiting) is the visible difference of their lengths.
    """

    def __init__(self) -> None:
        super().__init__("opencl-phases")
        self.plot.setLabel("bottom", "milliseconds")
        self.plot.getAxis("left").setTicks([[(1, "OpenCL events"), (0, "host wall")]])
        self.plot.setYRange(-0.6, 1.6, padding=0)
        self.bars = {
            key: pg.BarGraphItem(x0=[], width=[], y=[], height=0.6, brush=colour, pen=None)
            for key, _text, colour in PHASES
        }
        self.bars["host"] = pg.BarGraphItem(
            x0=[], width=[], y=[], height=0.6, brush=HOST_COLOUR, pen=None
        )
        for bar in self.bars.values():
            self.plot.addItem(bar)
        self.plot.getAxis("left").setWidth(PHASE_AXIS_WIDTH)  # room for the two bar names
        self.setMinimumHeight(160)
        self.setMaximumHeight(200)
        self.follow_palette()

    def show_phases(self, phases: dict[str, float], host_ms: float | None) -> None:
        """Draw the bars; phases missing from ``phases`` count as 0, a None host hides its bar."""
        x0 = 0.0
        for key, _text, _colour in PHASES:
            width = float(phases.get(key) or 0.0)
            self.bars[key].setOpts(x0=[x0], width=[width], y=[1], height=0.6)
            x0 += width
        host = float(host_ms) if host_ms is not None else None
        self.bars["host"].setOpts(
            x0=[0.0] if host is not None else [],
            width=[host] if host is not None else [],
            y=[0] if host is not None else [],
            height=0.6,
        )
        self.plot.setXRange(0, max(x0, host or 0.0, 1e-6) * 1.04, padding=0)
        self.note.setText(self._note_text(phases, x0, host))

    @staticmethod
    def _note_text(phases: dict[str, float], events: float, host: float | None) -> str:
        if not phases and host is None:
            return "<b>Where the time went</b>: no OpenCL run yet"
        parts = [f"{swatch(c)}{t} {format_ms(float(phases.get(k) or 0.0))}" for k, t, c in PHASES]
        text = "&nbsp;&nbsp; ".join(parts) + f"<br>events <b>{format_ms(events)}</b>"
        if host is not None:
            text += (
                f"&nbsp;&nbsp; {swatch(HOST_COLOUR)}host wall <b>{format_ms(host)}</b>"
                f" ({'+' if host >= events else '−'}{format_ms(abs(host - events))}:"
                " Python, enqueueing, waiting)"
            )
        return text


class RooflinePlot(_Chart):
    """Log-log roofline: attainable GFLOP/s = min(GB/s × intensity, peak GFLOP/s), runs as points.

    Runs measured on another device than the roof's are left off (and counted in the note):
    a GPU run above a CPU's roof would read as impossible.
    """

    sig_measure_clicked = Signal()

    def __init__(self) -> None:
        super().__init__("opencl-roofline")
        self._roof: dict[str, Any] | None = None
        self._error: str | None = None
        self._runs: list[tuple[str, float, float, str]] = []  # id, intensity, gflops, device
        self.button = QPushButton("Measure roofline")
        self.button.setToolTip("Measure this device's memory bandwidth and peak compute (seconds)")
        self.button.clicked.connect(self._on_button_clicked)
        self.header.addWidget(self.button, 0, Qt.AlignmentFlag.AlignTop)
        self.plot.setLogMode(x=True, y=True)
        for axis in ("bottom", "left"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)  # else "(x0.001)" on log axes
        self.plot.setLabel("bottom", "arithmetic intensity (FLOP/byte)")
        self.plot.setLabel("left", "GFLOP/s")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.memory_roof = self.plot.plot(pen=pg.mkPen(ROOF_COLOUR, width=3))
        self.compute_roof = self.plot.plot(pen=pg.mkPen(ROOF_COLOUR, width=3))
        self.ridge = self.plot.plot(
            pen=None, symbol="d", symbolSize=12, symbolBrush=ROOF_COLOUR, symbolPen=None
        )
        self.points = self.plot.plot(
            pen=None, symbol="o", symbolSize=10, symbolBrush=RUN_COLOUR, symbolPen="w"
        )
        self._ridge_text = pg.TextItem(anchor=(0, 1))
        self.plot.addItem(self._ridge_text)
        self._labels: list[pg.TextItem] = []
        self.follow_palette()
        self._redraw()

    def set_roof(self, roof: dict[str, Any] | None, error: str | None = None) -> None:
        self._roof = dict(roof) if roof else None
        self._error = error
        self.button.setEnabled(True)
        self._redraw()

    def add_run(self, recipe_id: str, result: dict[str, Any]) -> None:
        intensity, gflops = _number(result.get("intensity")), _number(result.get("gflops"))
        if intensity is None or gflops is None:
            return
        device = str((result.get("device") or {}).get("name") or "")
        run = (recipe_id, intensity, gflops, device)
        if run in self._runs:  # the same result handed over twice (show_result and add_run)
            return
        self._runs = [*self._runs, run][-RUNS_SHOWN:]
        self._redraw()

    def clear_runs(self) -> None:
        self._runs = []
        self._redraw()

    def shown_runs(self) -> list[tuple[str, float, float]]:
        """(recipe id, intensity, GFLOP/s) of the points on the plot."""
        return [(r, i, g) for r, i, g, d in self._runs if self._same_device(d)]

    def _same_device(self, device: str) -> bool:
        roof_device = str((self._roof or {}).get("device") or "")
        return not device or not roof_device or device in roof_device or roof_device in device

    def _redraw(self) -> None:
        runs = self.shown_runs()
        xs = [i for _r, i, _g in runs]
        ys = [g for _r, _i, g in runs]
        self.points.setData(xs, ys)
        bw, peak = self._peaks()
        if bw is None or peak is None:
            for item in (self.memory_roof, self.compute_roof, self.ridge):
                item.setData([], [])
            self._ridge_text.setText("")
        else:
            ridge = peak / bw
            xs, ys = [*xs, ridge], [*ys, peak]
            lo, hi = min(xs) / 8, max(xs) * 8
            self.memory_roof.setData([lo, ridge], [bw * lo, peak])
            self.compute_roof.setData([ridge, hi], [peak, peak])
            self.ridge.setData([ridge], [peak])
            self._ridge_text.setText(f"ridge {ridge:.3g} FLOP/B")
            self._ridge_text.setPos(np.log10(ridge), np.log10(peak))
            xs, ys = [*xs, lo, hi], [*ys, bw * lo]
        if xs:
            x_range = np.log10(min(xs) / 2), np.log10(max(xs) * 2)
            y_range = np.log10(min(ys) / 2), np.log10(max(ys) * 3)
            self.plot.setXRange(*x_range, padding=0)
            self.plot.setYRange(*y_range, padding=0)
            self.plot.getAxis("bottom").setTicks(log_ticks(*x_range))
            self.plot.getAxis("left").setTicks(log_ticks(*y_range))
        self._place_labels(runs)
        self.note.setText(self._note_text(len(self._runs) - len(runs)))
        self.button.setText("Measure again" if self._roof else "Measure roofline")

    def _peaks(self) -> tuple[float | None, float | None]:
        roof = self._roof or {}
        return _number(roof.get("gbps_peak")), _number(roof.get("gflops_peak"))

    def _place_labels(self, runs: list[tuple[str, float, float]]) -> None:
        while len(self._labels) < len(runs):
            label = pg.TextItem(anchor=(0, 0.5))
            self.plot.addItem(label)
            self._labels.append(label)
        x_lo, x_hi = self.plot.viewRange()[0]
        for k, label in enumerate(self._labels):
            if k < len(runs):
                recipe, intensity, gflops = runs[k]
                x = np.log10(intensity)
                right_side = x > x_lo + 0.7 * (x_hi - x_lo)  # name to the left: not clipped
                label.setAnchor((1, 0.5) if right_side else (0, 0.5))
                label.setText(f"{recipe} " if right_side else f" {recipe}", self.text_colour())
                label.setPos(x, np.log10(gflops))
            label.setVisible(k < len(runs))

    def _note_text(self, hidden: int) -> str:
        bw, peak = self._peaks()
        if bw is None or peak is None:
            why = f" ({self._error})" if self._error else ""
            text = (
                f"<b>No roofline measured for this device yet</b>{why}. Measuring takes a few "
                "seconds: its memory bandwidth and peak compute, then every run is placed on it."
            )
        else:
            text = (
                f"<b>{self._roof.get('device', 'device')}</b>: memory {bw:.3g} GB/s, "
                f"compute {peak:.3g} GFLOP/s, ridge at {peak / bw:.3g} FLOP/byte"
            )
            text += self._last_run_text()
        if hidden:
            text += f"<br><i>{hidden} run(s) on other devices not shown</i>"
        return text

    def _last_run_text(self) -> str:
        """Where the newest run sits, as the engine's ``roofline.place`` says."""
        from workbench import roofline

        runs = self.shown_runs()
        if not runs:
            return ""
        recipe, intensity, gflops = runs[-1]
        where = roofline.place({"intensity": intensity, "gflops": gflops}, self._roof)
        if not where or where.get("fraction_of_roof") is None:
            return ""
        return (
            f"<br>last: <b>{recipe}</b> is {where['bound']}-bound at {intensity:.3g} FLOP/byte"
            f" and reached <b>{100 * where['fraction_of_roof']:.0f} %</b> of the roof there"
        )

    def follow_palette(self) -> None:
        super().follow_palette()
        if hasattr(self, "_labels"):
            colour = self.text_colour()
            self._ridge_text.setColor(colour)
            for label in self._labels:
                label.setColor(colour)

    def _on_button_clicked(self) -> None:
        self.button.setEnabled(False)  # until set_roofline answers
        self.note.setText("<b>measuring the roofline…</b>")
        self.sig_measure_clicked.emit()


class SweepChart(_Chart):
    """Kernel time per work-group (local) size as bars, GFLOP/s as a line on the right axis."""

    def __init__(self) -> None:
        super().__init__("opencl-wg-sweep")
        plot = self.plot
        plot.setLabel("bottom", "work-group (local) size")
        plot.setLabel("left", "kernel time (ms)")
        plot.setLabel("right", "GFLOP/s")
        plot.showGrid(y=True, alpha=0.2)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.6, brushes=[], pen=None)
        plot.addItem(self.bars)
        # GFLOP/s in a second ViewBox sharing the x axis (pyqtgraph's MultiplePlotAxes).
        self._right = pg.ViewBox()
        plot.scene().addItem(self._right)
        self._right.setZValue(plot.vb.zValue() + 1)  # the line in front of the bars
        plot.getAxis("right").linkToView(self._right)
        self._right.setXLink(plot)
        self._right.setMouseEnabled(x=False, y=False)
        plot.vb.sigResized.connect(self._on_view_resized)
        self.gflops = pg.PlotDataItem(
            pen=pg.mkPen(RUN_COLOUR, width=2),
            symbol="o",
            symbolSize=8,
            symbolBrush=RUN_COLOUR,
            symbolPen=None,
        )
        self._right.addItem(self.gflops)
        self.follow_palette()
        self.show_rows([])

    def extra_axes(self) -> tuple[pg.AxisItem, ...]:
        return (self.plot.getAxis("right"),)

    def show_rows(self, rows: list[dict[str, Any]]) -> None:
        """One bar and one line point per row of ``result["wg_sweep"]``, in the given order."""
        n = len(rows)
        x = np.arange(n, dtype=float)
        ms = [float(r.get("kernel_ms") or 0.0) for r in rows]
        gf = [_number(r.get("gflops")) or np.nan for r in rows]
        brushes = [BAR_OK if r.get("ok", True) else BAR_WRONG for r in rows]
        self.bars.setOpts(x=x, height=ms, width=0.6, brushes=brushes)
        self.gflops.setData(x, gf, connect="finite")
        ticks = [(k, self._tick(r)) for k, r in enumerate(rows)]
        self.plot.getAxis("bottom").setTicks([ticks] if ticks else None)
        self.plot.setXRange(-0.6, max(n, 1) - 0.4, padding=0)
        self.plot.setYRange(0, max(ms, default=1.0) * 1.1 or 1.0, padding=0)
        top = np.nanmax(gf) if n and not np.all(np.isnan(gf)) else 1.0
        self._right.setYRange(0, top * 1.15, padding=0)
        self.note.setText(self._note_text(rows))

    @staticmethod
    def _tick(row: dict[str, Any]) -> str:
        return str(row.get("local_size", "?")) + ("" if row.get("ok", True) else " ✗")

    @staticmethod
    def _note_text(rows: list[dict[str, Any]]) -> str:
        if not rows:
            return "No work-group sweep in the last run (the matrix multiply recipe sweeps)."
        timed = [r for r in rows if r.get("ok", True) and _number(r.get("kernel_ms"))]
        wrong = len(rows) - sum(1 for r in rows if r.get("ok", True))
        text = f"{len(rows)} local sizes"
        if timed:
            best = min(timed, key=lambda r: r["kernel_ms"])
            gflops = _number(best.get("gflops"))
            text += f"; fastest <b>{best.get('local_size')}</b>: {format_ms(best['kernel_ms'])}"
            text += f", {gflops:.3g} GFLOP/s" if gflops else ""
        if wrong:
            text += f"; {swatch(BAR_WRONG)}{wrong} gave wrong results or failed (✗)"
        return text

    def _on_view_resized(self) -> None:
        self._right.setGeometry(self.plot.vb.sceneBoundingRect())
        self._right.linkedViewChanged(self.plot.vb, self._right.XAxis)


def device_string(device: dict[str, Any]) -> str:
    """What the recipes' ``device`` parameter takes for this device (``-p device=...``)."""
    for key in ("key", "id", "spec"):
        if isinstance(device.get(key), str) and device[key]:
            return device[key]
    if "platform_index" in device and "device_index" in device:
        return f"{device['platform_index']}:{device['device_index']}"
    return str(device.get("name", "?"))


def device_title(device: dict[str, Any]) -> str:
    kind = f" ({device['type']})" if device.get("type") else ""
    return f"{device.get('name', '?')} — {device.get('platform', '?')}{kind}"


def property_name(key: str) -> str:
    """``global_mem_bytes`` -> "global mem", ``max_clock_mhz`` -> "max clock (MHz)"."""
    for suffix, unit in (("_bytes", ""), ("_mhz", " (MHz)"), ("_ms", " (ms)")):
        if key.endswith(suffix):
            key = key[: -len(suffix)] + unit
    return key.replace("_", " ")


def format_property(key: str, value: Any) -> str:
    """A property as a person reads it: sizes in KiB/MiB/GiB, lists joined, flags as yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and any(k in key.lower() for k in BYTE_KEYS) and value >= 1024:
        for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
            if value >= size:
                return f"{value / size:.4g} {unit}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, int) for v in value):
            return " × ".join(str(v) for v in value)
        return "\n".join([f"({len(value)})", *(str(v) for v in value)])  # one per line
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_property(str(k), v)}" for k, v in value.items())
    return str(value)


def flatten(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Devices from a list of devices or of platforms ({"devices": [...]}, as ``discover()``)."""
    out: list[dict[str, Any]] = []
    for entry in entries:
        out += entry["devices"] if isinstance(entry.get("devices"), list) else [entry]
    return out


def parse_discovery(stdout: str) -> tuple[list[dict[str, Any]], str | None]:
    """``python -m workbench.opencl --json``: {"platforms": [...], "error"} (or a device list)."""
    data = json.loads(stdout)
    if isinstance(data, dict):
        entries = data.get("platforms") or data.get("devices") or []
        return flatten(list(entries)), data.get("error")
    return flatten(list(data)), None


class OpenCLPanel(QWidget):
    """Device picker and properties, phase bars, roofline and work-group sweep for OpenCL runs."""

    sig_device_chosen = Signal(str)
    sig_roofline_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._devices: list[dict[str, Any]] = []
        self._process: QProcess | None = None
        self._timed_out = False
        self._build()
        self.set_devices([], None)

    # -- public API --------------------------------------------------------------------------

    def set_devices(self, devices: list[dict[str, Any]], error: str | None = None) -> None:
        """Fill the picker from discovery data: device dicts, or ``workbench.opencl.discover()``'s
        platforms (their devices are taken). Keeps the current choice when it is still there,
        else falls back to "auto" (and emits ``sig_device_chosen``)."""
        previous = self.current_device()
        self._devices = flatten(list(devices))
        self._picker.blockSignals(True)
        self._picker.clear()
        self._picker.addItem(self._auto_text(), AUTO)
        for device in self._devices:
            self._picker.addItem(device_title(device), device_string(device))
            self._picker.setItemData(
                self._picker.count() - 1, device_title(device), Qt.ItemDataRole.ToolTipRole
            )
        index = max(0, self._picker.findData(previous))
        self._picker.setCurrentIndex(index)
        self._picker.blockSignals(False)
        self._status.setText(self._status_text(error))
        self._fill_properties()
        if self.current_device() != previous:
            self.sig_device_chosen.emit(self.current_device())

    def current_device(self) -> str:
        """The device string of the picker's choice ("auto" before any discovery)."""
        return self._picker.currentData() or AUTO

    def load_devices_async(self) -> None:
        """Discover devices in a child process (QProcess), then call :meth:`set_devices`.

        A child, not a thread: loading an OpenCL driver can take seconds, crash, or hang, and
        none of that may happen to the GUI process. A second call while one runs does nothing.
        """
        if self._process is not None:
            return
        process = QProcess(self)
        process.setProgram(sys.executable)
        process.setArguments(["-m", "workbench.opencl", "--json"])
        env = QProcessEnvironment.systemEnvironment()  # kernels/ importable even uninstalled
        env.insert(
            "PYTHONPATH",
            os.pathsep.join(filter(None, [str(project_root()), env.value("PYTHONPATH")])),
        )
        process.setProcessEnvironment(env)
        process.finished.connect(self._on_process_finished)
        process.errorOccurred.connect(self._on_process_error_occurred)
        self._process = process
        self._timed_out = False
        self._refresh.setEnabled(False)
        self._status.setText("looking for OpenCL devices…")
        self._timeout.start(DISCOVERY_TIMEOUT_MS)
        process.start()

    def stop(self) -> None:
        """End a discovery still running (the window calls this when it quits)."""
        if self._process is not None:
            self._process.kill()
            self._process.waitForFinished(3000)

    def show_result(self, result: dict[str, Any], recipe_id: str = "last run") -> None:
        """Show one OpenCL run: phase bars, its point on the roofline, its work-group sweep.

        ``result`` is the recipe's result dict (a whole ``RunRecord.as_dict()`` works too: its
        "result" and "id" are used). Missing keys leave their part as it was.
        """
        if isinstance(result.get("result"), dict):
            recipe_id = str(result.get("id") or recipe_id)
            result = result["result"]
        if "phases_ms" in result or "host_ms" in result:
            self._phases.show_phases(result.get("phases_ms") or {}, result.get("host_ms"))
        self.add_run(recipe_id, result)
        if "wg_sweep" in result:
            rows = result.get("wg_sweep") or []
            self._sweep.show_rows(rows)
            self._tabs.setTabText(1, f"Work-group sweep ({len(rows)})")
            if rows:
                self._tabs.setCurrentIndex(1)  # the sweep is what this run was about

    def set_roofline(self, roof: dict[str, Any] | None, error: str | None = None) -> None:
        """The device's measured roofline {"gbps_peak", "gflops_peak", "device"}, or None."""
        self._roofline.set_roof(roof, error)

    def add_run(self, recipe_id: str, result: dict[str, Any]) -> None:
        """Place a run on the roofline (needs "intensity" and "gflops"; else ignored)."""
        self._roofline.add_run(recipe_id, result)

    def clear(self) -> None:
        """Forget the runs (phase bars, roofline points, sweep); devices and roof stay."""
        self._phases.show_phases({}, None)
        self._roofline.clear_runs()
        self._sweep.show_rows([])
        self._tabs.setTabText(1, "Work-group sweep")

    # -- building ----------------------------------------------------------------------------

    def _build(self) -> None:
        self._picker = QComboBox()
        self._picker.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self._picker.setMinimumContentsLength(18)
        self._picker.setToolTip("The device the OpenCL recipes run on (-p device=...)")
        self._picker.currentIndexChanged.connect(self._on_picker_index_changed)
        self._refresh = QPushButton("Rescan")
        self._refresh.setToolTip("Run device discovery again (python -m workbench.opencl)")
        self._refresh.clicked.connect(self.load_devices_async)
        self._status = QLabel()
        self._status.setWordWrap(True)
        self._table = self._new_table()
        picker_row = QHBoxLayout()
        label = QLabel("<b>Device</b>")
        label.setBuddy(self._picker)
        picker_row.addWidget(label)
        picker_row.addWidget(self._picker, 1)
        picker_row.addWidget(self._refresh)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(picker_row)
        left_layout.addWidget(self._status)
        left_layout.addWidget(self._table, 1)
        self._phases = PhaseBars()
        self._phases.show_phases({}, None)
        self._roofline = RooflinePlot()
        self._roofline.sig_measure_clicked.connect(self.sig_roofline_requested)
        self._sweep = SweepChart()
        self._tabs = QTabWidget()
        self._tabs.addTab(self._roofline, "Roofline")
        self._tabs.addTab(self._sweep, "Work-group sweep")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self._phases)
        right.addWidget(self._tabs)
        right.setStretchFactor(1, 1)
        right.setSizes([180, 420])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([380, 520])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self._on_timeout_timeout)

    @staticmethod
    def _new_table() -> QTableWidget:
        table = QTableWidget(0, 2)
        table.setHorizontalHeaderLabels(["property", "value"])
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.verticalHeader().hide()
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # long extension names: both ends
        header = table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        return table

    def _auto_text(self) -> str:
        return "auto (the recipes pick)" if self._devices else "auto"

    def _status_text(self, error: str | None) -> str:
        if error:
            return f"OpenCL not available: {error}"
        if not self._devices:
            return "no OpenCL device found yet"
        n = len(self._devices)
        auto = self._auto_device() or {}
        return f"{n} device{'s' if n != 1 else ''} found; auto = {auto.get('name', '?')}"

    def _auto_device(self) -> dict[str, Any] | None:
        """The device "auto" means to the recipes: the first GPU, else the first device."""
        flagged = [d for d in self._devices if d.get("auto") or d.get("default")]
        gpus = [d for d in self._devices if str(d.get("type", "")).upper() == "GPU"]
        return next(iter(flagged or gpus or self._devices), None)

    def _fill_properties(self) -> None:
        device = next(
            (d for d in self._devices if device_string(d) == self.current_device()),
            self._auto_device(),
        )
        rows = list(device.items()) if device else []
        self._table.setRowCount(len(rows))
        for r, (key, value) in enumerate(rows):
            text = format_property(key, value)
            name, cell = QTableWidgetItem(property_name(key)), QTableWidgetItem(text)
            name.setToolTip(key)
            self._table.setItem(r, 0, name)
            self._table.setItem(r, 1, cell)
        self._table.resizeRowsToContents()  # the extensions wrap onto several lines

    # -- Qt ----------------------------------------------------------------------------------

    def _on_picker_index_changed(self, _index: int) -> None:
        self._fill_properties()
        self.sig_device_chosen.emit(self.current_device())

    def _on_process_finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        process, self._process = self._process, None
        self._timeout.stop()
        self._refresh.setEnabled(True)
        if process is None:
            return
        out = bytes(process.readAllStandardOutput()).decode(errors="replace")
        err = bytes(process.readAllStandardError()).decode(errors="replace").strip()
        process.deleteLater()
        try:
            devices, error = parse_discovery(out)
        except ValueError:
            last = err.splitlines()[-1] if err else f"exit code {exit_code}, no JSON"
            devices, error = [], f"discovery failed: {last}"
            if self._timed_out:
                devices, error = [], "device discovery took too long and was stopped"
        self.set_devices(devices, error)

    def _on_process_error_occurred(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            self._process.deleteLater()
            self._process = None
            self._timeout.stop()
            self._refresh.setEnabled(True)
            self.set_devices([], f"could not start {sys.executable}")

    def _on_timeout_timeout(self) -> None:
        if self._process is not None:
            self._timed_out = True
            self._process.kill()  # finished follows, with no JSON: reported as failed
