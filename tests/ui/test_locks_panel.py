"""LocksPanel: a real traced run's lock and thread statistics, readable and sortable; picking a
lock outlines its holds and waits on the timeline."""

from concurrent.futures import ThreadPoolExecutor

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableWidget

from ui.locks_panel import NO_TRACE_TEXT, LocksPanel
from ui.timeline_plot import SpanLayer, TimelinePlot
from workbench import catalog, controller
from workbench.spec import RunSpec

RUNS = {
    "counter": ("threads.lock_counter", {"use_lock": True, "iterations": 200}),
    "scope": ("threads.lock_scope", {}),
}


def _run(recipe_id: str, values: dict) -> tuple:
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, {**recipe.quick, **values})
    run = controller.start(RunSpec.make(recipe_id, params, trace=True, timeout_s=10))
    return run.wait().stats, run.analysis.timeline


@pytest.fixture(scope="module")
def runs() -> dict[str, tuple]:
    """Real traced runs, made once for the module (in parallel: each is its own host)."""
    with ThreadPoolExecutor(len(RUNS)) as pool:
        futures = {name: pool.submit(_run, *args) for name, args in RUNS.items()}
    return {name: f.result() for name, f in futures.items()}


@pytest.fixture
def panel(qtbot) -> LocksPanel:
    p = LocksPanel()
    qtbot.addWidget(p)
    p.resize(900, 600)
    p.show()
    return p


def tables(panel: LocksPanel) -> tuple[QTableWidget, QTableWidget]:
    return panel.findChild(QTableWidget, "locks"), panel.findChild(QTableWidget, "threads")


def rows(table: QTableWidget) -> dict[str, list[str]]:
    """First column -> the row's texts, as the user reads them."""
    out = {}
    for r in range(table.rowCount()):
        out[table.item(r, 0).text()] = [table.item(r, c).text() for c in range(table.columnCount())]
    return out


def labels(panel: LocksPanel) -> str:
    return " | ".join(w.text() for w in panel.findChildren(QLabel) if w.isVisibleTo(panel))


def test_one_row_per_lock_with_its_acquisitions(panel, runs):
    for stats, _timeline in runs.values():
        panel.set_stats(stats)
        locks, _ = tables(panel)
        shown = rows(locks)
        assert len(shown) == len(stats["locks"]) >= 1
        for lock in stats["locks"]:
            assert lock["acquisitions"] > 0
            assert shown[lock["lock"]][1] == f"{lock['acquisitions']:,}"
            assert shown[lock["lock"]][2].startswith(f"{lock['contended']:,}")
    assert f"{stats['events']:,} events" in labels(panel)


def test_most_waited_on_lock_comes_first_and_columns_sort_by_number(panel, runs):
    stats, _ = runs["scope"]
    panel.set_stats(stats)
    locks, _ = tables(panel)
    by_wait = sorted(stats["locks"], key=lambda r: -r["wait_s"])
    assert locks.item(0, 0).text() == by_wait[0]["lock"]
    locks.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    taken = [int(locks.item(r, 1).text().replace(",", "")) for r in range(locks.rowCount())]
    assert taken == sorted(taken)


def test_one_row_per_thread_with_its_times_and_a_bar(panel, runs):
    stats, _ = runs["counter"]
    panel.set_stats(stats)
    _, threads = tables(panel)
    shown = rows(threads)
    assert set(shown) == {t["thread"] for t in stats["threads"]}
    bar = threads.item(0, 4)
    assert "waiting" in bar.toolTip() and "%" in bar.toolTip()
    assert "running" in labels(panel) and "sleeping" in labels(panel)  # the bar's key


def test_selecting_a_lock_outlines_its_holds_on_the_timeline(panel, runs, qtbot):
    stats, timeline = runs["counter"]
    plot = TimelinePlot()
    qtbot.addWidget(plot)
    plot.set_timeline(timeline)
    panel.sig_lock_selected.connect(plot.highlight_lock)  # what the window does
    panel.set_stats(stats)
    locks, _ = tables(panel)
    name = locks.item(0, 0).text()
    with qtbot.waitSignal(panel.sig_lock_selected) as blocker:
        locks.selectRow(0)
    assert blocker.args == [name]
    scene = plot.findChild(pg.PlotWidget).scene()
    outlined = {i.name: i.count for i in scene.items() if isinstance(i, SpanLayer)}
    assert outlined["selected holds"] == stats["locks"][0]["acquisitions"]


def test_dropped_events_are_said_and_none_empties(panel, runs):
    stats, _ = runs["counter"]
    panel.set_stats({**stats, "dropped": 12})
    assert "12 dropped" in labels(panel)
    panel.set_stats(None)
    locks, threads = tables(panel)
    assert locks.rowCount() == threads.rowCount() == 0
    assert NO_TRACE_TEXT in labels(panel)
