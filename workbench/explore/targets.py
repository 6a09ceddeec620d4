"""What can be explored, and how it says what counts as a failure.

A TARGET is a thread recipe id (``threads.lock_counter``), a puzzle (``puzzle.p01_lost_update``,
from ``kernels/puzzles/``) or a path to a script. A script or puzzle follows a small plain-Python
convention, all of it optional (see docs/explorer.md):

* ``def main(**params)``: the entry point, called with ``-p name=value`` (typed by the default);
  without it the module runs as ``__main__``.
* ``GOAL = "deadlock"``: what a win is (assertion, exception, invariant, critical, deadlock,
  or any; default any) and ``HINT = "..."``.
* ``def invariant(): ...``: checked at every scheduling point; false (or an AssertionError) is a
  failure.
* raising an exception named ``CriticalSectionError`` (``kernels.puzzles.goal.Critical`` does)
  is a "critical" failure: two threads inside a marked critical section.

Processes, MPI and OpenCL recipes are refused: the explorer controls the threads of one process.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("assertion", "exception", "invariant", "critical", "deadlock")
PUZZLES = Path(__file__).resolve().parents[2] / "kernels" / "puzzles"


class TargetError(ValueError):
    """Bad input: an unknown target or parameter, a target that cannot be explored."""


def _lost(result: dict[str, Any]) -> str | None:
    return result.get("summary") if result.get("lost") else None


# Thread recipes that make sense under control, with small parameters (a few threads, a few
# steps) and the check of their result. The others are timed workloads: nothing to interleave.
RECIPES: dict[str, tuple[dict[str, Any], Callable[[dict[str, Any]], str | None] | None]] = {
    "threads.lock_counter": ({"workers": 2, "iterations": 2, "widen_window": False}, _lost),
    # (with widen_window off, only line or opcode granularity can split counter = value + delta)
    "threads.lock_inversion": ({"hold_s": 0.0, "overlap": True}, None),
    "threads.philosophers": (
        {"workers": 3, "meals": 1, "eat_s": 0.0, "think_s": 0.0, "strategy": "naive"},
        None,
    ),
}


ELSEWHERE = {
    "processes": "runs in other processes",
    "mpi": "runs on MPI ranks",
    "opencl": "runs on an OpenCL device",
}


@dataclass
class Target:
    """A program ready to be compiled, with its parameters and goal."""

    id: str
    kind: str  # recipe or script
    path: Path
    module_name: str
    params: dict[str, Any] = field(default_factory=dict)
    entry: str | None = None
    goal: str = "any"
    hint: str = ""
    title: str = ""
    granularity: str = "sync"  # the one the program suggests (GRANULARITY = "line")
    check: Callable[[dict[str, Any]], str | None] | None = None

    def wins(self, kind: str) -> bool:
        """Does a failure of this kind reach the goal?"""
        return self.goal == "any" or kind == self.goal


def resolve(target: str, pairs: Iterable[str] = ()) -> Target:
    """The target named on the command line, or a one-line TargetError."""
    if target.startswith("puzzle."):
        path = PUZZLES / f"{target.split('.', 1)[1]}.py"
        if not path.is_file():
            raise TargetError(f"unknown puzzle {target!r}; puzzles: {', '.join(puzzle_ids())}")
        return script_target(path, pairs, target)
    if target.endswith(".py") or Path(target).is_file():
        path = Path(target)
        if not path.is_file():
            raise TargetError(f"no such script: {target}")
        return script_target(path.resolve(), pairs, str(path))
    return recipe_target(target, pairs)


def puzzle_ids() -> list[str]:
    return sorted(f"puzzle.{p.stem}" for p in PUZZLES.glob("p*.py"))


def recipe_target(recipe_id: str, pairs: Iterable[str]) -> Target:
    from workbench import catalog

    backend = recipe_id.split(".", 1)[0]
    if backend in ELSEWHERE:
        raise TargetError(
            f"{recipe_id} {ELSEWHERE[backend]}: the explorer controls the threads of one process"
        )
    recipe = catalog.get(recipe_id)
    if recipe.id not in RECIPES:
        raise TargetError(
            f"{recipe.id} is a timed workload with nothing to interleave; explorable recipes: "
            f"{', '.join(RECIPES)}, the puzzles, or your own script"
        )
    defaults, check = RECIPES[recipe.id]
    values = catalog.resolve(recipe, defaults | catalog.parse_assignments(recipe, pairs))
    assert recipe.source is not None
    return Target(
        recipe.id,
        "recipe",
        recipe.source,
        recipe.module,
        values,
        goal="any",
        title=recipe.title,
        check=check,
    )


def script_target(path: Path, pairs: Iterable[str], name: str) -> Target:
    try:
        tree = ast.parse(path.read_bytes(), str(path))
    except SyntaxError as exc:
        raise TargetError(f"{path}:{exc.lineno}: SyntaxError: {exc.msg}") from None
    consts = _constants(tree)
    main = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "main"), None)
    pairs = list(pairs)
    missing = _required(main) - {p.partition("=")[0].strip() for p in pairs}
    if main is not None and missing:
        if pairs or not _has_main_guard(tree):
            raise TargetError(
                f"{name}: main() needs {', '.join(sorted(missing))}: give -p name=value"
            )
        main = None  # main(argv) called by its own ``if __name__ == "__main__":`` block
    params = _parse_params(main, pairs, name)
    goal = str(consts.get("GOAL", "any"))
    if consts.get("GRANULARITY", "sync") not in ("sync", "line", "opcode"):
        raise TargetError(f"{name}: GRANULARITY must be sync, line or opcode")
    if goal not in (*KINDS, "any"):
        raise TargetError(f"{name}: GOAL = {goal!r} is not one of {', '.join(KINDS)} or any")
    return Target(
        name,
        "script",
        path,
        "__explore__" if main else "__main__",
        params,
        entry="main" if main else None,
        goal=goal,
        hint=str(consts.get("HINT", "")),
        title=(ast.get_docstring(tree) or path.stem).strip().splitlines()[0],
        granularity=str(consts.get("GRANULARITY", "sync")),
    )


def _required(main: ast.FunctionDef | None) -> set[str]:
    """Parameters of ``main`` without a default: not the explorer's ``main(**params)``."""
    if main is None:
        return set()
    positional = main.args.posonlyargs + main.args.args
    required = {a.arg for a in positional[: len(positional) - len(main.args.defaults)]}
    return required | {
        a.arg for a, d in zip(main.args.kwonlyargs, main.args.kw_defaults, strict=True) if d is None
    }


def _has_main_guard(tree: ast.Module) -> bool:
    """Does the module run itself under ``if __name__ == "__main__":``?"""
    return any(
        isinstance(node, ast.If)
        and isinstance(node.test, ast.Compare)
        and isinstance(node.test.left, ast.Name)
        and node.test.left.id == "__name__"
        for node in tree.body
    )


def _constants(tree: ast.Module) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            name = node.targets[0]
            if isinstance(name, ast.Name) and isinstance(node.value, ast.Constant):
                out[name.id] = node.value.value
    return out


def _parse_params(main: ast.FunctionDef | None, pairs: Iterable[str], name: str) -> dict[str, Any]:
    pairs = list(pairs)
    if main is None:
        if pairs:
            raise TargetError(f"{name} has no main(): it takes no -p parameters")
        return {}
    args = main.args.args + main.args.kwonlyargs
    defaults = [None] * (len(main.args.args) - len(main.args.defaults)) + main.args.defaults
    defaults += main.args.kw_defaults
    known = {
        a.arg: (d.value if isinstance(d, ast.Constant) else None)
        for a, d in zip(args, defaults, strict=True)
    }
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise TargetError(f"parameter {pair!r} is not of the form name=value")
        if key not in known:
            allowed = ", ".join(known) or "none"
            raise TargetError(f"{name}: main() has no parameter {key!r}; it has: {allowed}")
        values[key] = _typed(key, text, known[key])
    return values


def _typed(key: str, text: str, default: Any) -> Any:
    raw = text.strip()
    try:
        if isinstance(default, bool):
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise ValueError
            return raw.lower() in ("true", "1", "yes", "on")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        kind = type(default).__name__
        raise TargetError(f"{key}={text!r} is not a {kind} (the default is {default!r})") from None
    return text
