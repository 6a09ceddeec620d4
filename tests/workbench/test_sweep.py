"""Sweeps through real run hosts."""

import pytest

from workbench import catalog
from workbench.catalog import CatalogError
from workbench.history import History
from workbench.sweep import Sweep, parse_workers


def test_worker_lists():
    assert parse_workers("4,1,2,2") == [1, 2, 4]
    assert parse_workers("1-3") == [1, 2, 3]
    for bad in ("", "a", "0", "1,,x", "-2"):
        with pytest.raises(CatalogError, match="worker list"):
            parse_workers(bad)


def test_sleep_workload_sweep_has_speedup_and_a_fit(tmp_path):
    recipe = catalog.get("threads.compare")
    params = {"workload": "sleep", **{k: v for k, v in recipe.quick.items() if k != "workers"}}
    sweep = Sweep(recipe, params, [2, 4], repeat=2, timeout_s=30)
    assert sweep.workers == [1, 2, 4] and sweep.baseline_added
    seen = []
    history = History(tmp_path / "h.sqlite")
    summary = sweep.run(on_point=seen.append, history=history).summary()
    assert summary["status"] == "ok" and len(seen) == 3
    points = summary["points"]
    assert [p["workers"] for p in points] == [1, 2, 4]
    assert points[0]["speedup"] == 1.0
    assert points[2]["speedup"] > 1.5  # sleeping threads overlap
    assert summary["amdahl"] is not None and 0 <= summary["amdahl"]["serial_fraction"] <= 1
    stored = history.sweeps()[0]
    assert stored["status"] == "ok" and stored["summary"]["points"] == points
    assert len(history.runs(include_sweep_points=True)) == 3
    assert history.runs() == []  # sweep points are not listed as single runs


def test_sweep_refuses_counts_out_of_range():
    recipe = catalog.get("threads.lock_counter")
    with pytest.raises(CatalogError, match="out of range"):
        Sweep(recipe, {}, [2, 1000])


def test_recipe_without_workers_cannot_be_swept():
    recipe = next(r for r in catalog.recipes() if not r.sweepable)
    with pytest.raises(CatalogError, match="no 'workers' parameter"):
        Sweep(recipe, {}, [1, 2])
