"""Every thread, process and asyncio recipe runs traced (sync mode) with its small parameters:
it finishes, and only the recipes built to show a finding report one."""

import pytest

from workbench import catalog, controller
from workbench.spec import RunSpec, Status

RECIPES = [r for r in catalog.recipes() if r.backend in ("threads", "processes", "asyncio")]
EXPECTED = {"threads.lock_inversion": {"lock_order_inversion"}}


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.id)
def test_recipe_runs_traced_and_only_shows_its_own_finding(recipe):
    spec = RunSpec.make(
        recipe.id, catalog.resolve(recipe, dict(recipe.quick)), trace=True, timeout_s=60
    )
    run = controller.start(spec)
    record = run.wait()
    assert record.status is Status.OK, record.error_line()
    assert {f["kind"] for f in record.findings} == EXPECTED.get(recipe.id, set())
    assert record.stats["events"] > 0 and record.stats["dropped"] == 0


@pytest.mark.parametrize(
    "recipe_id", ["processes.spawn", "processes.manager_dict", "processes.barrier_lock"]
)
def test_child_processes_are_traced_on_the_same_timeline(recipe_id):
    recipe = catalog.get(recipe_id)
    spec = RunSpec.make(recipe_id, catalog.resolve(recipe, dict(recipe.quick)), trace=True)
    run = controller.start(spec)
    assert run.wait().status is Status.OK
    lanes = run.analysis.timeline.lanes
    children = {lane["pid"] for lane in lanes if "pid " in lane["name"]}
    assert len(children) >= 2 and all(pid != lanes[0]["pid"] for pid in children)
    starts = [lane["start"] for lane in lanes]
    assert min(starts) >= run.analysis.timeline.t0_ns  # one clock for every process
