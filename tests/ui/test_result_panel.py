"""The result panel shows real run records readably: badge, summary, warnings, tables, plots."""

from concurrent.futures import ThreadPoolExecutor

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QLabel, QTableWidget

from ui.result_panel import PARTIAL_NOTE, ROW_CAP, WARNING_COLOUR, ResultPanel
from workbench import catalog, controller
from workbench.spec import RunSpec

RUNS = {
    "unlocked": ("threads.lock_counter", {"use_lock": False}, 30.0),
    "locked": ("threads.lock_counter", {"use_lock": True}, 30.0),
    "buffer": ("threads.condition_buffer", {}, 30.0),
    "loop": ("asyncio.event_loop", {}, 30.0),
    "hang": ("threads.rlock", {"lock_kind": "lock"}, 1.0),
}


def _run(recipe_id: str, values: dict, timeout_s: float) -> dict:
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, {**recipe.quick, **values})
    spec = RunSpec.make(recipe_id, params, timeout_s=timeout_s)
    return controller.run(spec, recipe=recipe).as_dict()


@pytest.fixture(scope="module")
def records() -> dict[str, dict]:
    """Real records of small real runs, made once for the module (in parallel: each is a host)."""
    with ThreadPoolExecutor(len(RUNS)) as pool:
        futures = {name: pool.submit(_run, *args) for name, args in RUNS.items()}
    return {name: f.result() for name, f in futures.items()}


@pytest.fixture
def panel(qtbot) -> ResultPanel:
    p = ResultPanel()
    qtbot.addWidget(p)
    p.resize(900, 600)
    p.show()
    return p


def shown_labels(panel: ResultPanel) -> list[str]:
    return [w.text() for w in panel.findChildren(QLabel) if w.isVisibleTo(panel)]


def shown_tables(panel: ResultPanel) -> list[QTableWidget]:
    return [t for t in panel.findChildren(QTableWidget) if t.isVisibleTo(panel)]


def shown_plots(panel: ResultPanel) -> list[pg.PlotWidget]:
    return [p for p in panel.findChildren(pg.PlotWidget) if p.isVisibleTo(panel)]


def table_rows(table: QTableWidget) -> dict[str, list]:
    """First column -> the items of the row, as the user reads the table."""
    return {
        table.item(r, 0).text(): [table.item(r, c) for c in range(table.columnCount())]
        for r in range(table.rowCount())
    }


def headers(table: QTableWidget) -> list[str]:
    return [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]


def test_lost_updates_are_shown_in_the_warning_colour(panel, records):
    record = records["unlocked"]
    assert record["status"] == "ok" and record["result"]["lost"] > 0
    panel.show_record(record)
    labels = shown_labels(panel)
    assert "ok" in labels
    assert record["result"]["summary"] in labels
    assert any(text.startswith("wall ") for text in labels)
    values = table_rows(shown_tables(panel)[0])
    for key in ("expected", "actual", "lost"):
        assert values[key][1].background().color() == WARNING_COLOUR
    assert values["lost"][1].text() == f"{record['result']['lost']:,}"
    assert values["updates"][1].background().color() != WARNING_COLOUR
    assert "summary" not in values


def test_a_correct_count_has_no_warning(panel, records):
    record = records["locked"]
    assert record["result"]["lost"] == 0
    panel.show_record(record)
    values = table_rows(shown_tables(panel)[0])
    assert all(v[1].background().color() != WARNING_COLOUR for v in values.values())


def test_lists_of_records_become_tables_and_series_become_plots(panel, records):
    result = records["buffer"]["result"]
    panel.show_record(records["buffer"])
    tables = shown_tables(panel)
    consumers = result["consumers"]
    table = next(t for t in tables if t.rowCount() == len(consumers) and "turns" in headers(t))
    assert headers(table) == list(consumers[0])
    assert table.item(0, 0).text() == consumers[0]["consumer"]
    assert "<b>consumers</b>" in shown_labels(panel)
    (plot,) = shown_plots(panel)
    assert plot.getPlotItem().titleLabel.text == "buffer level"
    x, y = plot.getPlotItem().listDataItems()[0].getData()
    assert list(x) == result["series"]["buffer level"]["t"]
    assert list(y) == result["series"]["buffer level"]["v"]


def test_event_loop_shows_its_callbacks_and_its_lag(panel, records):
    result = records["loop"]["result"]
    panel.show_record(records["loop"])
    callbacks = next(t for t in shown_tables(panel) if "late_s" in headers(t))
    assert callbacks.rowCount() == len(result["callbacks"])
    assert [callbacks.item(r, 0).text() for r in range(callbacks.rowCount())] == [
        c["callback"] for c in result["callbacks"]
    ]
    assert callbacks.item(0, headers(callbacks).index("late_s")).text().endswith("s")
    titles = [p.getPlotItem().titleLabel.text for p in shown_plots(panel)]
    assert titles == list(result["series"])


def test_a_timeout_shows_the_partial_result_and_the_reason(panel, records):
    record = records["hang"]
    assert record["status"] == "timeout" and record["partial"]
    panel.show_record(record)
    labels = " | ".join(shown_labels(panel))
    assert "timeout" in labels
    assert PARTIAL_NOTE in labels
    assert "timed out" in labels
    assert "Traceback" not in labels
    steps = next(t for t in shown_tables(panel) if "steps" in headers(t))
    texts = [steps.item(r, 1).text() for r in range(steps.rowCount())]
    assert "holds the lock, taking it again in execute()" in texts


def test_live_partials_reuse_their_plot_and_skip_unchanged_updates(panel, records):
    series = records["buffer"]["result"]["series"]["buffer level"]
    first = {"produced": 3, "series": {"level": {"t": series["t"][:5], "v": series["v"][:5]}}}
    panel.show_partial(first)
    (plot,) = shown_plots(panel)
    item = plot.getPlotItem().listDataItems()[0]
    panel.show_partial(dict(first))
    assert shown_plots(panel) == [plot]
    panel.show_partial({"produced": 9, "series": {"level": series}})
    assert shown_plots(panel) == [plot]
    assert plot.getPlotItem().listDataItems() == [item]
    assert len(item.getData()[0]) == len(series["t"])
    assert "running" in shown_labels(panel)


def test_long_tables_are_capped_with_a_note(panel, records):
    record = dict(records["loop"])
    rows = record["result"]["callbacks"] * 200
    record["result"] = {**record["result"], "callbacks": rows}
    panel.show_record(record)
    table = next(t for t in shown_tables(panel) if "late_s" in headers(t))
    assert table.rowCount() == ROW_CAP
    assert any(f"of {len(rows):,} rows" in text for text in shown_labels(panel))


def test_clear_forgets_the_run(panel, records):
    panel.show_record(records["buffer"])
    panel.clear()
    assert shown_plots(panel) == []
    assert shown_tables(panel) == []
    assert any("No run yet" in text for text in shown_labels(panel))
