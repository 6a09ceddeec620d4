"""Compare backends: the same workload swept on every backend that has a ``compare`` recipe.

One sweep per backend over the same worker counts and the same shared parameters, so the
speedup curves can be drawn in one chart: CPU-bound threads stay near 1x (the GIL), processes
climb towards the core count, asyncio alone does not parallelise CPU work at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench import catalog
from workbench.catalog import CatalogError, Recipe
from workbench.history import History
from workbench.spec import DEFAULT_TIMEOUT_S, RunRecord
from workbench.sweep import Sweep


def compare_recipes() -> list[Recipe]:
    return [r for r in catalog.recipes() if r.compare]


def shared_params() -> list[str]:
    """Parameter names every compare recipe has; only these can be set for a comparison."""
    names = [set(r.param_names()) for r in compare_recipes()]
    first = compare_recipes()[0].param_names() if names else []
    return [n for n in first if all(n in s for s in names)]


def plan(
    values: dict[str, Any],
    workers: list[int],
    repeat: int = 3,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[Sweep]:
    """One sweep per backend; a parameter not shared by every compare recipe is refused."""
    allowed = shared_params()
    for name in values:
        if name not in allowed:
            raise CatalogError(
                f"compare: {name!r} is not shared by every backend; "
                f"shared parameters: {', '.join(allowed)}"
            )
    return [
        Sweep(r, dict(values), list(workers), repeat=repeat, timeout_s=timeout_s)
        for r in compare_recipes()
    ]


def run(
    sweeps: list[Sweep],
    on_point: Callable[[Sweep, RunRecord], None] | None = None,
    history: History | None = None,
    listeners: list | None = None,
) -> list[dict[str, Any]]:
    """Run the sweeps one after another; stop at the first that is cancelled."""
    summaries = []
    for sweep in sweeps:
        sweep.run(lambda record, s=sweep: on_point and on_point(s, record), listeners, history)
        summaries.append(sweep.summary())
        if sweep.status == "cancelled":
            break
    return summaries
