"""Helpers for engine tests: run a misbehaving function through the real controller."""

from workbench import catalog, controller
from workbench.backends import Backend
from workbench.spec import RunSpec


def misbehave(function, seconds=30.0, timeout_s=20.0, listeners=None, start_only=False):
    recipe = catalog.from_module(
        "tests.workbench.misbehaving", Backend.THREADS, function, recipe_id=f"test.{function}"
    )
    spec = RunSpec.make(recipe.id, {"seconds": seconds}, timeout_s=timeout_s)
    run = controller.start(spec, listeners, recipe=recipe)
    return run if start_only else run.wait()
