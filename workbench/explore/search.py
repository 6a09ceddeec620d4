"""Searching the interleavings: random, PCT and preemption-bounded depth-first search.

A schedule is the list of thread numbers chosen at each scheduling point. Past its end, and
wherever a lenient replay meets a thread that cannot run, the *default* choice applies: keep
running the current thread, else the lowest-numbered one that can run. Switching away from a
thread that could have gone on is a *preemption*; bugs need few of them (CHESS's observation),
so DFS tries schedules with 0 preemptions first, then 1, then 2, and a failure found at random is
shrunk to the fewest preemptions that still fail the same way.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.explore.control import Failure, Point
from workbench.explore.execution import Outcome, Program, run_once
from workbench.explore.schedule import GRANULARITIES, STRATEGIES

__all__ = ["GRANULARITIES", "STRATEGIES", "Result", "Search", "replay"]


def default_choice(point: Point) -> int:
    """Go on with the current thread; after a yield (``time.sleep``), the next one in turn."""
    if point.yielded and len(point.enabled) > 1:
        later = [t for t in point.enabled if t > point.current]
        return later[0] if later else point.enabled[0]
    return point.current if point.current in point.enabled else min(point.enabled)


def preempts(point: Point, choice: int) -> bool:
    """Not the default: switching away from a thread that could go on, or, at a yield, not
    switching (so that spin loops with ``time.sleep(0)`` stay finite in DFS, as in CHESS)."""
    if point.yielded and len(point.enabled) > 1:
        return choice == point.current
    return choice != point.current and point.current in point.enabled


class Recorder:
    """Wraps a chooser and remembers every point, to count preemptions and branch from them."""

    def __init__(self, choose: Callable[[Point], int]) -> None:
        self.choose = choose
        self.points: list[Point] = []

    def __call__(self, point: Point) -> int:
        self.points.append(point)
        return self.choose(point)


def replaying(schedule: list[int], lenient: bool = False) -> Callable[[Point], int]:
    """Follow ``schedule``, then the default choice; lenient: skip choices that cannot run."""

    def choose(point: Point) -> int:
        if point.index < len(schedule):
            wanted = schedule[point.index]
            if not lenient or wanted in point.enabled:
                return wanted
        return default_choice(point)

    return choose


def count_preemptions(points: list[Point], choices: list[int]) -> int:
    return sum(1 for p, c in zip(points, choices, strict=False) if preempts(p, c))


@dataclass
class Result:
    found: bool
    runs: int
    strategy: str
    failure: Failure | None = None
    schedule: list[int] = field(default_factory=list)
    preemptions: int = 0
    digest: str = ""
    exhausted: bool = False  # DFS tried every schedule within its bound
    elapsed_s: float = 0.0
    shrink_runs: int = 0
    cut_runs: int = 0  # executions stopped at the step limit: the program did not end there


class Search:
    """One search over one program; ``should_stop`` and ``progress`` are plain callables."""

    def __init__(
        self,
        program: Program,
        strategy: str = "random",
        granularity: str = "sync",
        max_runs: int = 1000,
        seed: int = 0,
        depth: int = 3,
        bound: int = 2,
        progress: Callable[[int], None] | None = None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.program, self.strategy, self.granularity = program, strategy, granularity
        self.max_runs, self.rng, self.depth, self.bound = (
            max_runs,
            random.Random(seed),
            depth,
            bound,
        )
        self.progress, self.should_stop = progress, should_stop
        self.runs = 0
        self.cut = 0
        self.longest = 50

    def run(self, chooser: Callable[[Point], int]) -> tuple[Outcome, Recorder]:
        rec = Recorder(chooser)
        outcome = run_once(self.program, rec, self.granularity)
        self.runs += 1
        self.cut += outcome.limit
        self.longest = max(self.longest, outcome.steps)
        if self.progress is not None and self.runs % 50 == 0:
            self.progress(self.runs)
        return outcome, rec

    def go(self) -> Result:
        start = time.perf_counter()
        if self.strategy == "dfs":
            result = self._dfs()
        else:
            result = self._sample()
        result.elapsed_s = round(time.perf_counter() - start, 4)
        result.cut_runs = self.cut
        return result

    # --- random and PCT ---------------------------------------------------------------------
    def _sample(self) -> Result:
        while self.runs < self.max_runs and not self.should_stop():
            chooser = self._random() if self.strategy == "random" else self._pct()
            outcome, rec = self.run(chooser)
            if outcome.failure is not None:
                found = self.runs
                result = self.shrink(outcome, rec)
                result.runs = found
                return result
        return Result(False, self.runs, self.strategy)

    def _random(self) -> Callable[[Point], int]:
        rng = self.rng

        def choose(point: Point) -> int:
            enabled = point.enabled
            return enabled[0] if len(enabled) == 1 else rng.choice(enabled)

        return choose

    def _pct(self) -> Callable[[Point], int]:
        """PCT (Burckhardt et al. 2010): random priorities, d-1 points where the runner drops."""
        rng, depth = self.rng, self.depth
        priority: dict[int, float] = {}
        changes = set(rng.sample(range(self.longest), min(depth - 1, self.longest)))
        lowered = [0]

        def choose(point: Point) -> int:
            for tid in point.enabled:
                if tid not in priority:
                    priority[tid] = depth + rng.random()
            if point.index in changes:
                lowered[0] += 1
                priority[point.current] = depth - lowered[0] - rng.random() * 0.1
            return max(point.enabled, key=priority.__getitem__)

        return choose

    # --- DFS bounded by preemptions -----------------------------------------------------------
    def _dfs(self) -> Result:
        levels: list[list[list[int]]] = [[] for _ in range(self.bound + 1)]
        levels[0].append([])
        for level in range(self.bound + 1):
            stack = levels[level]
            while stack:
                if self.runs >= self.max_runs or self.should_stop():
                    return Result(False, self.runs, self.strategy)
                prefix = stack.pop()
                outcome, rec = self.run(replaying(prefix))
                if outcome.failure is not None:
                    return self._result(outcome, rec)
                self._branch(prefix, outcome.choices, rec.points, levels)
        return Result(False, self.runs, self.strategy, exhausted=True)

    def _branch(
        self, prefix: list[int], choices: list[int], points: list[Point], levels: list[Any]
    ) -> None:
        spent = count_preemptions(points[: len(prefix)], choices[: len(prefix)])
        children = []
        for j in range(len(prefix), len(choices)):
            p = points[j]
            for alt in p.enabled:
                if alt == choices[j]:
                    continue
                cost = spent + preempts(p, alt)
                if cost <= self.bound:
                    children.append((cost, [*choices[:j], alt]))
            spent += preempts(p, choices[j])
        for cost, child in reversed(children):  # the earliest branch is popped first
            levels[cost].append(child)

    # --- shrinking ----------------------------------------------------------------------------
    def _result(self, outcome: Outcome, rec: Recorder) -> Result:
        choices = outcome.choices
        return Result(
            True,
            self.runs,
            self.strategy,
            outcome.failure,
            choices,
            count_preemptions(rec.points, choices),
            outcome.digest,
        )

    def shrink(self, outcome: Outcome, rec: Recorder, budget: int = 300) -> Result:
        """Fewer preemptions, same kind of failure: undo one preemption at a time, keep wins."""
        assert outcome.failure is not None
        kind = outcome.failure.kind
        best, best_rec = outcome, rec
        best_count = count_preemptions(rec.points, outcome.choices)
        tried = 0
        improved = True
        while improved and best_count and tried < budget:
            improved = False
            spots = [
                i
                for i, (p, c) in enumerate(zip(best_rec.points, best.choices, strict=False))
                if preempts(p, c)
            ]
            for i in reversed(spots):
                current = best_rec.points[i].current
                for candidate in (
                    best.choices[:i],
                    [*best.choices[:i], current, *best.choices[i + 1 :]],
                ):
                    tried += 1
                    trial, trial_rec = self.run(replaying(candidate, lenient=True))
                    if trial.failure is None or trial.failure.kind != kind:
                        continue
                    count = count_preemptions(trial_rec.points, trial.choices)
                    if count < best_count:
                        best, best_rec, best_count, improved = trial, trial_rec, count, True
                        break
                if improved or tried >= budget:
                    break
        result = self._result(best, best_rec)
        if result.preemptions > 1 and tried < budget:  # then ask DFS for fewer still
            dfs = Search(
                self.program,
                "dfs",
                self.granularity,
                budget - tried,
                bound=min(2, result.preemptions - 1),
            )
            found = dfs.go()
            tried += dfs.runs
            if found.found and found.failure is not None and found.failure.kind == kind:
                result = found
        result.strategy = self.strategy
        result.shrink_runs = tried
        return result


def replay(program: Program, schedule: list[int], granularity: str) -> Outcome:
    """Run a saved schedule strictly: a choice that cannot run is a ScheduleError."""
    return run_once(program, replaying(schedule), granularity)
