"""One execution of a program under a chooser: fresh module dict, controlled threads, outcome.

The program's code is compiled once and executed in a fresh dict every time, so module globals
start over and one schedule always meets the same program state. Modules the program imports keep
their state between executions (they are imported once per process).
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kernels.recipe import Context
from workbench.explore import standins
from workbench.explore.control import Controller, Failure, Point, ScheduleError, Unsupported
from workbench.explore.targets import Target

STUCK_S = 5.0  # no scheduling point for this long: the program blocks for real, or spins


@dataclass
class Outcome:
    failure: Failure | None
    choices: list[int]
    digest: str
    limit: bool = False

    @property
    def steps(self) -> int:
        return len(self.choices)


class Stuck(Exception):
    """The program stopped reaching scheduling points: a real blocking call or a bare loop."""


class Program:
    """A target compiled once, ready to execute many times."""

    def __init__(self, target: Target) -> None:
        self.target = target
        source = target.path.read_bytes()
        self.code = compile(source, str(target.path), "exec", dont_inherit=True)
        self.files = frozenset({str(target.path)})
        self.globals: dict[str, Any] = {}

    def body(self, ctl: Controller) -> Callable[[], Any]:
        """The program's main thread: run the module, then its entry point."""
        target = self.target
        g: dict[str, Any] = {
            "__name__": target.module_name,
            "__file__": str(target.path),
            "__builtins__": builtins,
        }
        self.globals = ctl.globals = g

        def main() -> None:
            exec(self.code, g)
            if callable(g.get("invariant")):
                ctl.invariant = g["invariant"]
            if target.kind == "recipe":
                result = g["run"](Context(quiet=True), **target.params)
                message = target.check(result) if target.check else None
                if message:
                    ctl.fail(Failure("invariant", message, "MainThread", ""))
            elif target.entry:
                g[target.entry](**target.params)

        return main


def controller(
    program: Program, chooser: Callable[[Point], int], granularity: str, max_steps: int
) -> Controller:
    return Controller(chooser, granularity, program.files, max_steps=max_steps)


def run_once(
    program: Program,
    chooser: Callable[[Point], int],
    granularity: str = "sync",
    max_steps: int = 20_000,
) -> Outcome:
    """Execute the program once, every switch decided by ``chooser``."""
    ctl = controller(program, chooser, granularity, max_steps)
    with standins.installed(ctl):
        standins.start_main(ctl, program.body(ctl))
        moved = ctl.wait(STUCK_S)
        if not moved:
            raise Stuck(
                "the program stopped reaching scheduling points for "
                f"{STUCK_S:g} s (a real blocking call or a loop without synchronisation)"
            )
        ctl.abandon()
    if ctl.unsupported:
        raise Unsupported(f"{ctl.unsupported}: the explorer cannot run this program")
    if ctl.schedule_error:
        raise ScheduleError(f"the schedule does not fit this program: {ctl.schedule_error}")
    return outcome_of(ctl)


def outcome_of(ctl: Controller) -> Outcome:
    return Outcome(ctl.failure, list(ctl.choices), digest(ctl.trail), ctl.limit_hit)


def digest(trail: list[tuple[int, str]]) -> str:
    """What happened, in order: the same schedule must give the same digest every time."""
    return hashlib.sha1(repr(trail).encode()).hexdigest()[:16]
