"""TimelinePlot: real traces become lanes, coloured waits, lock-hold bands and hand-off arrows;
a synthetic 1,000,000-span timeline stays quick to zoom and pan."""

import statistics
import time
import xml.dom.minidom
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QImage, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QToolTip

from ui.timeline_plot import (
    EMPTY_TEXT,
    SPAN_H,
    SPAN_TOP,
    STATE_COLORS,
    ArrowLayer,
    SpanLayer,
    TimelinePlot,
)
from workbench import catalog, controller
from workbench.analysis import ARROW_DTYPE, HOLD_DTYPE, SPAN_DTYPE, STATE_NAMES, Timeline
from workbench.spec import RunSpec

RUNS = {
    "deadlock": ("threads.lock_order", {"consistent_order": False}),
    "counter": ("threads.lock_counter", {"use_lock": True, "iterations": 200}),
}


def _run(recipe_id: str, values: dict) -> tuple:
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, {**recipe.quick, **values})
    run = controller.start(RunSpec.make(recipe_id, params, trace=True, timeout_s=10))
    record = run.wait()
    return record, run.analysis.timeline


@pytest.fixture(scope="module")
def traces() -> dict[str, tuple]:
    """Real traced runs, made once for the module (in parallel: each is its own host)."""
    with ThreadPoolExecutor(len(RUNS)) as pool:
        futures = {name: pool.submit(_run, *args) for name, args in RUNS.items()}
    return {name: f.result() for name, f in futures.items()}


@pytest.fixture
def plot(qtbot) -> TimelinePlot:
    w = TimelinePlot()
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    qtbot.waitExposed(w)
    return w


def layers(w: TimelinePlot, kind: type = SpanLayer) -> dict[str, pg.GraphicsObject]:
    view = w.findChild(pg.PlotWidget)
    return {i.name: i for i in view.scene().items() if isinstance(i, kind)}


def painted(w: TimelinePlot) -> None:
    """Let Qt paint the view (what a user would see next)."""
    w.findChild(pg.PlotWidget).viewport().update()
    QApplication.processEvents()


def header(w: TimelinePlot) -> str:
    return " | ".join(label.text() for label in w.findChildren(QLabel) if label.isVisible())


def test_deadlocked_run_shows_three_lanes_red_lock_waits_and_hold_bands(plot, traces):
    record, tl = traces["deadlock"]
    plot.set_timeline(tl)
    painted(plot)
    philosophers = record.findings[0]["cycle"]
    assert len(plot.lane_names) == 3
    assert set(philosophers) <= set(plot.lane_names)
    red = layers(plot)[STATE_NAMES[1]]
    assert red.color.name().upper() == STATE_COLORS[1]
    assert red.count == int((tl.spans["state"] == 1).sum()) >= 2
    assert red.drawn >= 2  # both philosophers' endless waits are on screen
    holds = [layer for name, layer in layers(plot).items() if name.startswith("lock held")]
    assert sum(layer.count for layer in holds) == len(tl.holds) >= 2
    assert sum(layer.drawn for layer in holds) >= 2
    assert "3 threads" in header(plot)
    assert "waiting for a lock" in header(plot)  # the legend names the states present


def test_finding_marks_its_threads_lanes_and_outlines_its_waits(plot, traces):
    record, tl = traces["deadlock"]
    plot.set_timeline(tl)
    finding = record.findings[0]
    plot.highlight_finding(finding)
    painted(plot)
    assert set(finding["cycle"]) <= set(plot.marked_lanes)
    outlined = layers(plot)["selected waits"]
    at_locations = np.isin(
        tl.spans["loc"], [i for i, s in tl.strings.items() if s in finding["locations"]]
    )
    assert outlined.count == int(at_locations.sum()) >= 2
    assert outlined.drawn >= 2
    plot.highlight([])
    assert layers(plot)["selected waits"].count == 0
    assert plot.marked_lanes == []


def test_lock_selection_outlines_every_hold_and_wait_of_that_lock(plot, traces):
    record, tl = traces["counter"]
    plot.set_timeline(tl)
    name = record.stats["locks"][0]["lock"]
    plot.highlight_lock(name)
    painted(plot)
    ids = [i for i, s in tl.strings.items() if s == name]
    assert layers(plot)["selected holds"].count == int(np.isin(tl.holds["obj"], ids).sum()) > 0
    assert layers(plot)["selected waits"].count == int(np.isin(tl.spans["obj"], ids).sum())
    assert layers(plot)["selected holds"].drawn > 0


def test_release_to_acquire_arrows_are_drawn(plot, traces):
    _record, tl = traces["counter"]
    plot.set_timeline(tl)
    painted(plot)
    arrows = layers(plot, ArrowLayer)["release → acquire"]
    assert arrows.count == int((tl.arrows["kind"] == 1).sum()) > 0
    assert arrows.drawn == arrows.count  # all in view at first


def test_zooming_in_draws_each_wait_in_view_on_its_own(plot, traces):
    _record, tl = traces["counter"]
    plot.set_timeline(tl)
    red = layers(plot)[STATE_NAMES[1]]
    spans = tl.spans[tl.spans["state"] == 1]
    lane0 = np.sort(spans[spans["lane"] == spans["lane"][0]], order="start")
    first, last = lane0[0], lane0[min(2, len(lane0) - 1)]
    plot.findChild(pg.PlotWidget).setXRange(first["start"] * 1e-9, last["end"] * 1e-9, padding=0.02)
    painted(plot)
    (x0, x1), _ = plot.findChild(pg.PlotWidget).getPlotItem().getViewBox().viewRange()
    in_view = spans[(spans["end"] >= x0 * 1e9) & (spans["start"] <= x1 * 1e9)]
    assert 1 <= red.drawn <= len(in_view)


def test_hovering_a_wait_tells_state_object_location_and_duration(plot, traces, qtbot):
    _record, tl = traces["deadlock"]
    plot.set_timeline(tl)
    painted(plot)
    row = tl.spans[tl.spans["state"] == 1][0]
    view = plot.findChild(pg.PlotWidget)
    point = QPointF((row["start"] + row["end"]) / 2 * 1e-9, row["lane"] + SPAN_TOP + SPAN_H / 2)
    scene = view.getPlotItem().getViewBox().mapViewToScene(point)
    # The scene's own hover signal, as a real mouse move emits it: a synthetic global mouse
    # move lands on whatever top-level widget an earlier test left under the cursor.
    view.scene().sigMouseMoved.emit(scene)
    qtbot.waitUntil(lambda: "waiting for a lock" in QToolTip.text(), timeout=3000)
    text = QToolTip.text()
    assert tl.strings[int(row["obj"])] in text  # the lock
    assert tl.strings[int(row["loc"])] in text  # file:line
    assert "ms" in text or " s" in text  # its duration
    QToolTip.hideText()


def test_none_clears_and_export_writes_png_and_svg(plot, traces, tmp_path):
    _record, tl = traces["deadlock"]
    plot.set_timeline(tl)
    plot.export(str(tmp_path / "t.png"))
    plot.export(str(tmp_path / "t.svg"))
    assert not QImage(str(tmp_path / "t.png")).isNull()
    assert xml.dom.minidom.parse(str(tmp_path / "t.svg")).documentElement.tagName == "svg"
    plot.set_timeline(None)
    assert plot.lane_names == []
    assert EMPTY_TEXT in header(plot)
    assert all(layer.count == 0 for layer in layers(plot).values())


# -- a synthetic million-span timeline: only here, to measure; the views never invent data ----


def synthetic(lanes: int = 16, spans: int = 1_000_000, seconds: float = 10.0) -> Timeline:
    rng = np.random.default_rng(3)
    per = spans // lanes
    rows = np.zeros(spans, SPAN_DTYPE)
    for lane in range(lanes):
        lengths = rng.integers(1, int(2 * seconds * 1e9 / per), per)
        ends = np.cumsum(lengths)
        part = rows[lane * per : (lane + 1) * per]
        part["lane"], part["start"], part["end"] = lane, ends - lengths, ends
    rows["state"] = rng.integers(1, 9, spans)
    t1 = int(rows["end"].max())
    names = [{"pid": 1, "tid": i, "name": f"w{i}", "start": 0, "end": t1} for i in range(lanes)]
    empty_holds, empty_arrows = np.zeros(0, HOLD_DTYPE), np.zeros(0, ARROW_DTYPE)
    return Timeline(0, t1, names, rows, empty_holds, empty_arrows, {0: ""})


def test_a_million_spans_set_fast_and_redraw_within_a_frame(plot, qtbot):
    tl = synthetic()
    start = time.perf_counter()
    plot.set_timeline(tl)
    assert time.perf_counter() - start < 3.0
    view = plot.findChild(pg.PlotWidget)
    red = layers(plot)[STATE_NAMES[1]]
    duration = tl.t1_ns * 1e-9
    frames = []
    for i in range(24):  # zoom steps at full view, then pans of a 10 % and a 0.1 % window
        width = duration * (1.0, 0.1, 0.001)[i // 8] * (1 - 0.01 * (i % 2))
        left = (duration - width) * (0.2 + 0.05 * (i % 8))
        red.drawn = -1
        start = time.perf_counter()
        view.setXRange(left, left + width, padding=0)
        QApplication.processEvents()
        frames.append(time.perf_counter() - start)
        assert red.drawn > 0, "the frame did not paint the waits"
    assert statistics.median(frames) < 0.033, f"median frame {statistics.median(frames):.4f} s"
    # Deep in, nothing is merged: every red wait in view is a rectangle of its own (or joined
    # with a red neighbour it touches).
    lane0 = np.sort(tl.spans[(tl.spans["lane"] == 0) & (tl.spans["state"] == 1)], order="start")
    a, b = lane0[100], lane0[103]
    view.setXRange(a["start"] * 1e-9, b["end"] * 1e-9, padding=0)
    QApplication.processEvents()
    red_in_view = tl.spans[
        (tl.spans["state"] == 1) & (tl.spans["end"] >= a["start"]) & (tl.spans["start"] <= b["end"])
    ]
    touching = int(np.sum(red_in_view["start"][1:] == red_in_view["end"][:-1]))
    assert len(red_in_view) - touching - 2 <= red.drawn <= len(red_in_view)


def test_light_and_dark_palettes_recolour_the_view(plot, traces):
    from ui import theme

    _record, tl = traces["counter"]
    plot.set_timeline(tl)
    view = plot.findChild(pg.PlotWidget)
    for name in ("dark", "light"):
        pal = theme.palette(name)
        plot.setPalette(pal)
        assert view.backgroundBrush().color() == pal.color(QPalette.ColorRole.Base)
        arrows = layers(plot, ArrowLayer)["release → acquire"]
        assert arrows.color == pal.color(QPalette.ColorRole.Text)  # readable on either
