"""Every puzzle can be solved by the explorer, and its fixed variant cannot (within a bound)."""

import subprocess
import sys

import pytest

from workbench.explore.execution import Program
from workbench.explore.search import Search
from workbench.explore.targets import puzzle_ids, resolve

PUZZLES = puzzle_ids()


def test_there_are_at_least_twelve():
    assert len(PUZZLES) >= 12


@pytest.mark.parametrize("puzzle", PUZZLES)
def test_the_explorer_reaches_the_goal(puzzle):
    target = resolve(puzzle)
    assert target.hint and target.goal != "any"
    result = Search(Program(target), "dfs", target.granularity, max_runs=500, bound=2).go()
    assert result.found, f"{puzzle} not solved in {result.runs} schedules"
    assert target.wins(result.failure.kind), result.failure


@pytest.mark.parametrize("puzzle", PUZZLES)
def test_the_fixed_variant_holds(puzzle):
    target = resolve(puzzle, ["fixed=true"])
    result = Search(Program(target), "dfs", target.granularity, max_runs=300, bound=1).go()
    assert not result.found, result.failure


def test_fixed_variants_run_alone_with_real_threads():
    code = "; ".join(f"import kernels.puzzles.{p[7:]} as m; m.main(fixed=True)" for p in PUZZLES)
    done = subprocess.run([sys.executable, "-c", code], timeout=60, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-500:]
