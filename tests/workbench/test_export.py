"""Exports of real runs and sweeps, stored by the engine in a real history."""

import csv
import json

import pytest

from workbench import catalog, controller, export
from workbench.history import History
from workbench.spec import RunSpec
from workbench.sweep import Sweep


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A history holding one lock-counter run, one compare run and one sleep sweep."""
    history = History(tmp_path_factory.mktemp("export") / "h.sqlite")
    lock = catalog.get("threads.lock_counter")
    lock_spec = RunSpec.make(lock.id, catalog.resolve(lock, {"iterations": 100}))
    compare = catalog.get("threads.compare")
    compare_spec = RunSpec.make(compare.id, catalog.resolve(compare, dict(compare.quick)))
    records = [controller.run(s, history=history) for s in (lock_spec, compare_spec)]
    params = {"workload": "sleep", "size": 200}
    summary = Sweep(compare, params, [1, 2], repeat=1, timeout_s=30).run(history=history)
    yield history, records, summary.summary()
    history.close()


def _sections(text):
    """CSV sections of an export: blocks apart by blank lines, '#' comment lines dropped."""
    blocks = [b for b in text.split("\n\n") if b.strip()]
    return [
        list(csv.reader(line for line in b.splitlines() if not line.startswith("#")))
        for b in blocks
    ]


def test_run_json_is_the_record(stored):
    _, (lock, _), _ = stored
    assert json.loads(export.run_to_json(lock.as_dict())) == json.loads(json.dumps(lock.as_dict()))


def test_run_csv_has_scalars_params_and_result(stored):
    history, (lock, _), _ = stored
    for run in (lock.as_dict(), history.run(lock.spec.run_id)):
        rows = dict(_sections(export.run_to_csv(run))[0][1:])
        assert rows["recipe"] == "threads.lock_counter" and rows["status"] == "ok"
        assert rows["param.iterations"] == "100" and rows["param.use_lock"] == "False"
        assert int(rows["result.lost"]) == lock.result["lost"]
        assert float(rows["wall_s"]) == pytest.approx(lock.wall_s)


def test_run_csv_appends_result_tables_and_names_what_it_leaves_out(stored):
    _, (_, compare), _ = stored
    text = export.run_to_csv(compare.as_dict())
    assert "# result.chunks" in text and "result.series" in text  # series: JSON only
    chunks = _sections(text)[1]
    assert "worker" in chunks[0] and len(chunks) - 1 == len(compare.result["chunks"])


def test_sweep_csv_has_one_row_per_point_and_the_fit(stored):
    _, _, summary = stored
    text = export.sweep_to_csv(summary)
    fit = summary["amdahl"]["serial_fraction"]
    assert f"serial_fraction={fit:.6g}" in text
    rows = list(csv.DictReader(line for line in text.splitlines() if not line.startswith("#")))
    assert [int(r["workers"]) for r in rows] == [1, 2]
    assert float(rows[1]["speedup"]) == pytest.approx(summary["points"][1]["speedup"])
    assert set(export.SWEEP_COLUMNS) <= set(rows[0])
    assert json.loads(export.sweep_to_json(summary)) == json.loads(json.dumps(summary))


def test_history_export_json_holds_runs_and_sweeps(stored, tmp_path):
    history, (lock, _), summary = stored
    ids = [lock.spec.run_id, summary["sweep_id"]]
    data = json.loads(export.history_export(history, tmp_path / "out.json", ids).read_text())
    assert [r["run_id"] for r in data["runs"]] == [lock.spec.run_id]
    assert data["runs"][0]["log"] is not None  # the full row, log included
    assert data["sweeps"][0]["summary"]["points"] == summary["points"]


def test_history_export_csv_has_a_runs_table_then_each_sweep(stored, tmp_path):
    history, (lock, compare), summary = stored
    ids = [lock.spec.run_id, compare.spec.run_id, summary["sweep_id"]]
    text = export.history_export(history, tmp_path / "out.CSV", ids).read_text()
    runs, sweep = _sections(text)
    header = runs[0]
    assert [r[header.index("run_id")] for r in runs[1:]] == ids[:2]
    assert "param.iterations" in header and "result.lost" in header
    assert [int(r[0]) for r in sweep[1:]] == [1, 2]
    assert f"# sweep {summary['sweep_id']}" in text


def test_history_export_refuses_unknown_suffix_and_ids(stored, tmp_path):
    history, (lock, _), _ = stored
    with pytest.raises(ValueError, match=r"\.csv or \.json"):
        export.history_export(history, tmp_path / "out.txt", [lock.spec.run_id])
    with pytest.raises(ValueError, match="nope"):
        export.history_export(history, tmp_path / "out.json", ["nope"])
    assert not (tmp_path / "out.json").exists()
