"""Every built-in recipe, end to end through the real engine (run host, channel, history)."""

import pytest

from workbench import catalog, controller
from workbench.spec import RunSpec, Status

RECIPES = [r for r in catalog.recipes() if r.backend in ("threads", "processes", "asyncio")]


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.id)
def test_recipe_runs_end_to_end_with_small_parameters(recipe):
    spec = RunSpec.make(recipe.id, catalog.resolve(recipe, dict(recipe.quick)), timeout_s=60)
    record = controller.run(spec)
    assert record.status is Status.OK, record.error_line() + "\n" + str(record.log[-20:])
    assert isinstance(record.result, dict) and record.result.get("summary")
    assert record.wall_s is not None and record.wall_s > 0


HANGS_BY_DESIGN = [
    ("threads.rlock", {"lock_kind": "lock"}),
    ("threads.queue_consumers", {"use_sentinel": False}),
    ("threads.event_signal", {"fix": "book"}),
    ("threads.lock_order", {"consistent_order": False}),
    ("threads.lock_inversion", {"overlap": True}),
    ("threads.barrier", {"parties": 4, "timeout_s": 0}),
    ("processes.barrier_lock", {"parties": 3, "barrier_timeout": 0}),
    ("processes.pipe_pipeline", {"close_unused_ends": False}),
    ("asyncio.futures", {"forget_set_result": True}),
]


@pytest.mark.parametrize("recipe_id, values", HANGS_BY_DESIGN, ids=lambda v: str(v))
def test_the_books_hangs_are_ended_by_the_timeout_and_keep_what_was_seen(recipe_id, values):
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, {**recipe.quick, **values})
    record = controller.run(RunSpec.make(recipe_id, params, timeout_s=2.5))
    assert record.status is Status.TIMEOUT
    assert record.partial, "the recipe should record what it saw before hanging"
    assert record.result is None
