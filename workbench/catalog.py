"""Finds the recipes in ``kernels/`` and turns their metadata into typed, validated parameters.

The GUI builds its forms from the same :class:`Recipe` objects that the command line parses
``-p name=value`` against, so both accept and refuse exactly the same values.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kernels.recipe import Param, ParamError
from workbench.backends import BACKENDS, Backend

WORKERS = "workers"


class CatalogError(ValueError):
    """An unknown recipe or a bad parameter; the message is one line for the user."""


@dataclass(frozen=True)
class Recipe:
    """A recipe's metadata, read from its module without running it."""

    id: str
    backend: Backend
    module: str
    title: str
    chapter: str
    book: str
    lesson: str
    shows_bug: bool
    compare: bool
    params: tuple[Param, ...]
    quick: Mapping[str, Any] = field(default_factory=dict)
    source: Path | None = None
    function: str = "run"
    # ``requirements(**params) -> str | None``: why these parameters cannot run (MPI ranks)
    requirements: Callable[..., str | None] | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]

    @property
    def sweepable(self) -> bool:
        """Recipes with a ``workers`` parameter can be swept over worker counts."""
        return any(p.name == WORKERS for p in self.params)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise CatalogError(
            f"{self.id} has no parameter {name!r}; it has: {', '.join(self.param_names())}"
        )

    def param_names(self) -> list[str]:
        return [p.name for p in self.params]

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "backend": str(self.backend),
            "chapter": self.chapter,
            "book": self.book,
            "lesson": self.lesson,
            "shows_bug": self.shows_bug,
            "compare": self.compare,
            "sweepable": self.sweepable,
            "params": [p.as_dict() for p in self.params],
        }


def from_module(
    module_name: str, backend: Backend, function: str = "run", recipe_id: str | None = None
) -> Recipe | None:
    """A recipe from any importable module with PARAMS and a run function (tests use this to
    run deliberately misbehaving programs that are not in the catalog)."""
    module = importlib.import_module(module_name)
    if not hasattr(module, function) or not hasattr(module, "PARAMS"):
        return None
    return Recipe(
        id=recipe_id or f"{backend}.{module_name.rsplit('.', 1)[1]}",
        function=function,
        backend=backend,
        module=module_name,
        title=getattr(module, "TITLE", module_name),
        chapter=getattr(module, "CHAPTER", ""),
        book=getattr(module, "BOOK", ""),
        lesson=getattr(module, "LESSON", ""),
        shows_bug=bool(getattr(module, "SHOWS_BUG", False)),
        compare=bool(getattr(module, "COMPARE", False)),
        params=tuple(module.PARAMS),
        quick=dict(getattr(module, "QUICK", {})),
        source=Path(module.__file__) if module.__file__ else None,
        requirements=getattr(module, "requirements", None),
    )


@functools.cache
def recipes() -> tuple[Recipe, ...]:
    """Every recipe, in backend order then by name.

    Importing a recipe module is cheap (they import only the standard library and numpy at the
    top), but it is still done once per process. A module that fails to import or declares bad
    metadata is left out and named by :func:`broken`, so one bad recipe cannot hide the others.
    """
    found: list[Recipe] = []
    for backend in BACKENDS:
        package = f"kernels.{backend}"
        try:
            pkg = importlib.import_module(package)
        except ModuleNotFoundError:
            continue
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
            if info.ispkg or info.name.startswith("_"):
                continue
            try:
                recipe = from_module(f"{package}.{info.name}", backend)
            except Exception as exc:
                _BROKEN[f"{backend}.{info.name}"] = f"{type(exc).__name__}: {exc}"
                continue
            if recipe:
                found.append(recipe)
    return tuple(found)


_BROKEN: dict[str, str] = {}


def broken() -> dict[str, str]:
    """Recipe modules that could not be loaded, with the one-line reason."""
    recipes()
    return dict(_BROKEN)


def get(recipe_id: str) -> Recipe:
    """The recipe with this id, or a one-line error that lists what exists."""
    for recipe in recipes():
        if recipe.id == recipe_id:
            return recipe
    close = [r.id for r in recipes() if recipe_id.split(".")[-1] in r.id]
    hint = f"; did you mean {', '.join(close[:5])}?" if close else "; see 'workbench list'"
    raise CatalogError(f"unknown recipe {recipe_id!r}{hint}")


def parse_assignments(recipe: Recipe, pairs: Iterable[str]) -> dict[str, Any]:
    """Turn ``["name=value", ...]`` into typed values, checked against the recipe's parameters."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise CatalogError(f"parameter {pair!r} is not of the form name=value")
        try:
            values[name.strip()] = recipe.param(name.strip()).parse(text)
        except ParamError as exc:
            raise CatalogError(f"{recipe.id}: {exc}") from None
    return values


def resolve(recipe: Recipe, values: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults overlaid with ``values``, every value checked; the frozen parameters of a run."""
    resolved = recipe.defaults()
    for name, value in values.items():
        try:
            resolved[name] = recipe.param(name).check(value)
        except ParamError as exc:
            raise CatalogError(f"{recipe.id}: {exc}") from None
    problem = recipe.requirements(**resolved) if recipe.requirements else None
    if problem:
        raise CatalogError(f"{recipe.id}: {problem}")
    return resolved


def script_recipe(path: Path) -> Recipe:
    """A user's script, run like a recipe by :mod:`workbench.script_runner`."""
    recipe = from_module(
        "workbench.script_runner", Backend.THREADS, "run", recipe_id=f"script.{path.stem}"
    )
    assert recipe is not None
    return recipe
