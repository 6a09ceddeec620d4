"""The catalog: every recipe is found, its metadata is complete and its parameters validate."""

import importlib
import re

import pytest

from kernels.recipe import Param, ParamError
from workbench import catalog
from workbench.backends import BACKENDS
from workbench.catalog import CatalogError

RECIPES = catalog.recipes()


def test_catalog_finds_the_three_families_and_nothing_is_broken():
    backends = {r.backend for r in RECIPES}
    assert {"threads", "processes", "asyncio"} <= backends
    assert catalog.broken() == {}
    ids = [r.id for r in RECIPES]
    assert len(ids) == len(set(ids))


CHAPTERS = {
    "threads": "2. Thread-based parallelism",
    "processes": "3. Process-based parallelism",
    "asyncio": "4. Asynchronous programming",
    "mpi": "3. Process-based parallelism (MPI)",
    "opencl": "6. GPU programming (OpenCL)",
}


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.id)
def test_recipe_metadata_is_complete(recipe):
    assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", recipe.id)
    assert recipe.backend in BACKENDS
    assert recipe.title and recipe.chapter and len(recipe.lesson) > 40 and recipe.book
    expected = "Compare backends" if recipe.compare else CHAPTERS[recipe.backend]
    assert recipe.chapter == expected
    assert importlib.import_module(recipe.module).__doc__, "a recipe says why in its docstring"
    for p in recipe.params:
        assert p.check(p.default) == p.default, p.name
        assert p.help, f"{recipe.id}: {p.name} has no help"
    assert set(recipe.quick) <= set(recipe.param_names())
    catalog.resolve(recipe, dict(recipe.quick))  # every QUICK value passes its Param's check


def test_compare_recipes_share_their_parameters():
    compare = [r for r in RECIPES if r.compare]
    assert {r.backend for r in compare} >= {"threads", "processes", "asyncio"}
    common = set.intersection(*({p.name for p in r.params} for r in compare))
    assert {"workers", "workload", "size"} <= common


def test_assignments_are_typed_and_checked():
    recipe = catalog.get("threads.lock_counter")
    values = catalog.parse_assignments(recipe, ["workers=6", "use_lock=yes", "iterations=10"])
    assert values == {"workers": 6, "use_lock": True, "iterations": 10}
    with pytest.raises(CatalogError, match=r"workers=1 is out of range: an integer from 2 to 64"):
        catalog.parse_assignments(recipe, ["workers=1"])
    with pytest.raises(CatalogError, match="has no parameter 'nope'; it has: workers"):
        catalog.parse_assignments(recipe, ["nope=1"])
    with pytest.raises(CatalogError, match="not of the form name=value"):
        catalog.parse_assignments(recipe, ["workers"])
    with pytest.raises(CatalogError, match="is not true or false"):
        catalog.parse_assignments(recipe, ["use_lock=maybe"])


def test_unknown_recipe_suggests_close_names():
    with pytest.raises(CatalogError, match=r"did you mean threads\.lock_counter"):
        catalog.get("lock_counter")


def test_param_kinds():
    choice = Param("mode", "choice", "a", choices=("a", "b"))
    assert choice.parse("b") == "b"
    with pytest.raises(ParamError, match="one of a, b"):
        choice.parse("c")
    real = Param("x", "float", 0.5, min=0, max=1)
    assert real.parse("0.25") == 0.25
    with pytest.raises(ParamError, match="out of range"):
        real.check(2.0)
    with pytest.raises(TypeError):
        Param("bad", "choice", "z", choices=("a",))
