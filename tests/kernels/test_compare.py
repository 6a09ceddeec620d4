"""The "Compare backends" recipes: one job, three backends, the same exact total."""

import itertools
import json
import subprocess
import sys
from multiprocessing import resource_tracker
from pathlib import Path

import pytest

from kernels import workloads
from kernels.asyncio import compare as asyncio_compare
from kernels.processes import compare as processes_compare
from kernels.recipe import Context, defaults
from kernels.threads import compare as threads_compare

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = [threads_compare, processes_compare, asyncio_compare]
SIZE = 300  # QUICK's size: small for every workload (numbers, elements or milliseconds)
REFERENCE = {
    "primes": 62,  # primes below 300
    "numpy": sum(i * i % 1_000_003 for i in range(SIZE)),
    "sleep": SIZE,
}


@pytest.fixture(autouse=True, scope="module")
def _resource_tracker():
    """Spawned pools start multiprocessing's resource tracker, which lives as long as this
    process: start it before the per-test check for processes left behind."""
    resource_tracker.ensure_running()


def quick(module, ctx=None, **overrides):
    ctx = ctx or Context(quiet=True)
    return module.run(ctx, **{**defaults(module), **module.QUICK, **overrides})


@pytest.mark.parametrize("module", BACKENDS, ids=lambda m: m.__name__)
def test_module_contract(module):
    assert module.COMPARE is True and module.CHAPTER == "Compare backends"
    assert module.BOOK == "E1-2.12, E1-4.01, E2-1.c"
    assert module.TITLE and module.LESSON and module.__doc__
    names = [p.name for p in module.PARAMS]
    assert names[:5] == ["workers", "workload", "size", "tasks", "chunksize"]
    for p in module.PARAMS:
        assert p.check(p.default) == p.default
    assert set(module.QUICK) <= set(names)


def test_split_covers_the_range_exactly():
    for size, tasks in [(10, 3), (7, 7), (5, 9), (1000, 16), (1, 1)]:
        chunks = workloads.split(size, tasks)
        assert chunks[0][0] == 0 and chunks[-1][1] == size
        assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
        assert len(chunks) == min(tasks, size) and all(hi > lo for lo, hi in chunks)
    assert workloads.resolve_tasks(3, 0) == 12 and workloads.resolve_tasks(3, 5) == 5
    assert workloads.resolve_size("primes", 0) == workloads.DEFAULT_SIZE["primes"]


def test_workloads_against_references():
    assert workloads.count_primes(0, 100) == 25
    assert workloads.count_primes(0, SIZE) == REFERENCE["primes"]
    assert workloads.numpy_work(0, SIZE) == REFERENCE["numpy"]
    big = 3 * (1 << 16) + 5  # crosses NumPy block boundaries
    assert workloads.numpy_work(0, big) == workloads.numpy_work(0, 1000) + workloads.numpy_work(
        1000, big
    )
    assert workloads.sleep_work(0, 3) == 3


@pytest.mark.parametrize("workload", workloads.WORKLOADS)
def test_same_total_across_backends_and_workers(workload):
    for module in BACKENDS:
        for workers, tasks in [(1, 0), (3, 0), (2, 7)]:
            result = quick(module, workload=workload, workers=workers, tasks=tasks)
            assert result["total"] == REFERENCE[workload], (module.__name__, workers, tasks)
            expected_tasks = tasks or 4 * workers
            assert result["tasks"] == expected_tasks and len(result["chunks"]) == expected_tasks


@pytest.mark.parametrize("offload", ["threads", "processes"])
def test_asyncio_offload_gives_the_same_total(offload):
    result = quick(asyncio_compare, workload="primes", offload=offload)
    assert result["total"] == REFERENCE["primes"]


def test_processes_chunksize_and_phases():
    ctx = Context(quiet=True)
    result = quick(processes_compare, ctx, workload="numpy", chunksize=3)
    assert result["total"] == REFERENCE["numpy"]
    assert {"startup", "work"} <= set(ctx.phases) and result["startup_s"] > 0
    assert result["distinct_workers"] <= 2


def test_asyncio_alone_runs_cpu_chunks_one_at_a_time():
    result = quick(asyncio_compare, workload="primes", workers=4)
    assert result["max_overlap"] == 1 and result["distinct_workers"] == 1
    slept = quick(asyncio_compare, workload="sleep", workers=4)
    assert slept["max_overlap"] >= 2  # awaited sleeps do overlap


def test_threads_primes_hold_the_gil():
    result = quick(threads_compare, workload="primes", workers=2, size=100_000)
    assert result["total"] == 9592
    assert result["cores_busy"] < 1.5  # two threads, but about one core: the GIL


def test_sleep_scales_with_threads():
    one = quick(threads_compare, workload="sleep", workers=1, size=400, tasks=8)
    four = quick(threads_compare, workload="sleep", workers=4, size=400, tasks=8)
    assert one["total"] == four["total"] == 400
    assert four["work_s"] <= 0.7 * one["work_s"]  # about 0.25x; generous margin


def test_series_and_table_shapes():
    result = quick(threads_compare, workload="sleep", workers=2)
    series = result["series"]["chunks_running"]
    assert len(series["t"]) == len(series["v"]) == 2 * result["tasks"] + 1
    assert series["v"][-1] == 0 and max(series["v"]) == result["max_overlap"] <= 2
    assert json.dumps(result)


@pytest.mark.parametrize("backend", ["threads", "processes", "asyncio"])
def test_runs_alone(backend):
    done = subprocess.run(
        [sys.executable, "-m", f"kernels.{backend}.compare", "--workers", "2", "--size", "200"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout[done.stdout.index("{\n") :])
    assert report["result"]["total"] == 46  # primes below 200
