"""SpeedupPlot: real sweep rows arrive one by one and become points, bars, fit, table."""

import copy
import xml.dom.minidom

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QTableWidget

from ui.speedup_plot import SpeedupPlot
from workbench import catalog, stats
from workbench.sweep import Sweep


def run_sweep(recipe_id: str) -> dict:
    sweep = Sweep(catalog.get(recipe_id), {"workload": "sleep", "size": 200}, [1, 2], repeat=1)
    summary = sweep.run().summary()
    assert summary["status"] == "ok", summary["error"]
    return summary


@pytest.fixture(scope="module")
def threads_summary() -> dict:
    """A real sweep: threads.compare, workload=sleep, workers 1 and 2, one repeat."""
    return run_sweep("threads.compare")


@pytest.fixture(scope="module")
def asyncio_summary() -> dict:
    return run_sweep("asyncio.compare")


def make_plot(qtbot) -> SpeedupPlot:
    w = SpeedupPlot()
    qtbot.addWidget(w)
    w.resize(900, 600)
    w.show()
    qtbot.waitExposed(w)
    return w


def items(w: SpeedupPlot, kind: type) -> list:
    view = w.findChild(pg.GraphicsView)
    return [i for i in view.scene().items() if type(i) is kind]


def point_items(w: SpeedupPlot) -> list[pg.PlotDataItem]:
    """Items drawn with symbols: the measured medians, one per series."""
    return [i for i in items(w, pg.PlotDataItem) if i.opts["symbol"] is not None]


def styled(w: SpeedupPlot, style: Qt.PenStyle) -> list[pg.PlotDataItem]:
    lines = [i for i in items(w, pg.PlotDataItem) if i.opts["pen"] is not None]
    drawn = [i for i in lines if i.getData()[0] is not None]
    return [i for i in drawn if pg.mkPen(i.opts["pen"]).style() == style]


def table_rows(w: SpeedupPlot) -> list[list[str]]:
    t = w.findChild(QTableWidget)
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def legend_text(w: SpeedupPlot) -> str:
    return " ".join(label.text() for label in w.findChildren(QLabel))


def test_points_arrive_one_at_a_time(qtbot, threads_summary):
    w = make_plot(qtbot)
    w.begin_series("live", "threads.compare")
    rows = threads_summary["points"]
    for n, row in enumerate(rows, start=1):
        w.add_point("live", row)
        w.refresh()
        (points,) = point_items(w)
        x, y = points.getData()
        assert list(x) == [r["workers"] for r in rows[:n]]
        np.testing.assert_allclose(y, [r["speedup"] for r in rows[:n]])
        assert len(table_rows(w)) == n
    assert w.series_keys() == ["live"]
    assert table_rows(w)[0][:2] == ["threads.compare", "1"]
    assert table_rows(w)[1][3] == f"{rows[1]['speedup']:.2f}"
    assert table_rows(w)[0][5] == "—"  # Karp–Flatt is undefined at p = 1
    assert table_rows(w)[1][5] == f"{rows[1]['karp_flatt']:.3f}"


def test_error_bars_span_min_to_max_time(qtbot, threads_summary):
    w = make_plot(qtbot)
    summary = copy.deepcopy(threads_summary)
    row = summary["points"][1]  # stretch the repeats so the bar has a visible length
    row["min_s"], row["max_s"] = 0.9 * row["median_s"], 1.2 * row["median_s"]
    w.show_summary(summary, "s")
    w.refresh()
    (bars,) = [b for b in items(w, pg.ErrorBarItem) if b.opts["x"] is not None]
    t1 = summary["points"][0]["median_s"]
    s = np.array([r["speedup"] for r in summary["points"]])
    np.testing.assert_allclose(bars.opts["top"], [t1 / r["min_s"] for r in summary["points"]] - s)
    np.testing.assert_allclose(
        bars.opts["bottom"], s - [t1 / r["max_s"] for r in summary["points"]]
    )


def test_fit_curve_efficiency_axis_and_ideal_line(qtbot, threads_summary):
    w = make_plot(qtbot)
    key = w.show_summary(threads_summary)
    w.refresh()
    frac = threads_summary["amdahl"]["serial_fraction"]
    (fit,) = styled(w, Qt.PenStyle.DashLine)
    x, y = fit.getData()
    np.testing.assert_allclose(y, [stats.amdahl(frac, int(p)) for p in x])
    assert f"serial fraction {100 * frac:.1f}" in legend_text(w)
    (eff,) = styled(w, Qt.PenStyle.DotLine)
    np.testing.assert_allclose(
        eff.getData()[1], [r["efficiency"] for r in threads_summary["points"]]
    )
    plot_item = w.findChild(pg.GraphicsView).getPlotItem()
    assert eff.getViewBox() is not plot_item.vb  # its own y axis, on the right
    assert "efficiency" in plot_item.getAxis("right").labelText
    (ideal,) = styled(w, Qt.PenStyle.DashDotLine)
    assert list(ideal.getData()[1]) == [1, 2]
    w.set_fit(key, None)
    w.refresh()
    assert styled(w, Qt.PenStyle.DashLine) == []


def test_series_overlay_remove_and_clear(qtbot, threads_summary, asyncio_summary):
    w = make_plot(qtbot)
    w.show_summary(threads_summary, "threads")
    w.show_summary(asyncio_summary, "asyncio")
    w.refresh()
    assert w.series_keys() == ["threads", "asyncio"]
    colours = {pg.mkPen(p.opts["pen"]).color().name() for p in point_items(w)}
    assert len(colours) == 2
    assert "threads.compare" in legend_text(w) and "asyncio.compare" in legend_text(w)
    assert len(table_rows(w)) == 4
    w.remove_series("threads")
    w.remove_series("not-there")  # the window removes a fresh sweep's key before it starts
    w.refresh()
    assert w.series_keys() == ["asyncio"]
    assert len(point_items(w)) == 1
    assert {r[0] for r in table_rows(w)} == {"asyncio.compare (workload=sleep, size=200)"}
    w.clear()
    assert w.series_keys() == [] and table_rows(w) == [] and point_items(w) == []


def test_noisy_rows_are_flagged(qtbot, threads_summary):
    w = make_plot(qtbot)
    row = dict(threads_summary["points"][1], noisy=True, cv=0.12)
    w.add_point("k", threads_summary["points"][0])
    w.add_point("k", row)
    w.refresh()
    assert table_rows(w)[1][6] == "noisy (cv 12 %)"
    assert table_rows(w)[0][6] == ""


def test_export_png_and_svg(qtbot, tmp_path, threads_summary, asyncio_summary):
    w = make_plot(qtbot)
    w.show_summary(threads_summary)
    w.show_summary(asyncio_summary)
    w.refresh()
    png, svg = tmp_path / "speedup.png", tmp_path / "speedup.svg"
    w.export(str(png))
    w.export(str(svg))
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 800
    doc = xml.dom.minidom.parse(str(svg))
    assert doc.documentElement.tagName == "svg"
    assert doc.getElementsByTagName("path") or doc.getElementsByTagName("polyline")
