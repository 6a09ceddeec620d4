"""The debugging recipes: philosophers and the two-lock inversion, plain and traced."""

import pytest

from kernels.recipe import Context, defaults
from kernels.threads import lock_inversion, philosophers
from workbench import catalog, controller
from workbench.spec import RunSpec, Status


@pytest.mark.parametrize("strategy", ["ordered", "waiter"])
def test_both_fixes_let_every_philosopher_eat(strategy):
    params = {**defaults(philosophers), **philosophers.QUICK, "strategy": strategy}
    result = philosophers.run(Context(quiet=True), **params)
    assert result["meals_eaten"] == result["meals_expected"]


def test_the_latent_inversion_finishes_untraced():
    params = {**defaults(lock_inversion), **lock_inversion.QUICK}
    assert lock_inversion.run(Context(quiet=True), **params)["finished"] == ["one", "two"]


def traced(recipe_id, **values):
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, {**recipe.quick, **values})
    return controller.run(RunSpec.make(recipe_id, params, trace=True, timeout_s=20))


def test_naive_philosophers_deadlock_with_the_whole_cycle():
    record = traced("threads.philosophers", workers=3, eat_s=0.4, strategy="naive")
    assert record.status is Status.DEADLOCK
    found = next(f for f in record.findings if f["kind"] == "deadlock")
    assert sorted(found["cycle"]) == ["philosopher-0", "philosopher-1", "philosopher-2"]


def test_tracing_finds_the_latent_inversion_and_not_the_fixed_one():
    latent = traced("threads.lock_inversion")
    assert latent.status is Status.OK
    assert [f["kind"] for f in latent.findings] == ["lock_order_inversion"]
    assert sorted(latent.findings[0]["threads"]) == ["one", "two"]
    fixed = traced("threads.lock_inversion", consistent=True)
    assert fixed.findings == []
