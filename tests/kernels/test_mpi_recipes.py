"""Every MPI recipe end to end under mpiexec, traced (2-4 ranks, oversubscribed on 2 cores)."""

import pytest

from workbench import catalog, controller
from workbench.spec import RunSpec, Status

RECIPES = [r for r in catalog.recipes() if r.backend == "mpi"]


def run(recipe_id, trace=True, timeout_s=60, **values):
    recipe = catalog.get(recipe_id)
    params = catalog.resolve(recipe, {**recipe.quick, **values})
    return controller.run(RunSpec.make(recipe_id, params, trace=trace, timeout_s=timeout_s))


def test_there_are_thirteen_mpi_recipes_each_with_a_lesson_and_a_book_reference():
    assert len(RECIPES) == 13
    for r in RECIPES:
        assert r.lesson and r.book and r.sweepable, r.id


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.id)
def test_recipe_runs_traced_end_to_end_with_small_parameters(recipe):
    record = run(recipe.id)
    assert record.status is Status.OK, record.error_line() + "\n" + str(record.log[-20:])
    assert isinstance(record.result, dict) and record.result.get("summary")
    assert len(record.repeats) == 1  # rank 0 alone reports
    mpi = record.stats["mpi"]
    assert mpi["ranks"] == record.spec.params["workers"]
    if recipe.id != "mpi.futures_map":  # mpi4py.futures talks through its own communicator
        assert mpi["calls"] > 0


def test_alltoall_result_holds_the_matrix_and_its_transpose():
    record = run("mpi.alltoall", workers=3)
    before, after = (image["data"] for image in record.result["images"].values())
    assert after == [list(col) for col in zip(*before, strict=True)]
    assert record.stats["mpi"]["collective_matrix"]["messages"][0] == [0, 1, 1]


def test_sendrecv_and_nonblocking_orders_complete_above_the_eager_limit():
    for order in ("sendrecv", "nonblocking", "mixed"):
        record = run("mpi.deadlock", order=order, size=100_000)
        assert record.status is Status.OK, (order, record.error_line())
        assert record.stats["mpi"]["matrix"]["bytes"] == [[0, 100_000], [100_000, 0]]


@pytest.mark.parametrize(
    "values, call",
    [({"order": "recv-first"}, "Recv"), ({"order": "send-first", "size": 100_000}, "Send")],
)
def test_mpi_deadlock_is_found_with_each_ranks_blocked_call(values, call):
    record = run("mpi.deadlock", timeout_s=20, **values)
    assert record.status is Status.DEADLOCK
    assert record.host_s < 4  # found within 2 s of the hang, then the job is ended
    finding = next(f for f in record.findings if f["kind"] == "deadlock")
    waits = {w["thread"]: w for w in finding["waits"]}
    assert set(waits) == {"rank 0", "rank 1"}
    assert waits["rank 0"]["kind"] == call and waits["rank 0"]["peer"] == 1
    assert waits["rank 0"]["tag"] == 1 and waits["rank 1"]["peer"] == 0
    assert all("kernels/mpi/deadlock.py:" in w["location"] for w in waits.values())
    assert sorted(finding["cycle"]) == ["rank 0", "rank 1"]  # each waits for the other
    assert waits["rank 0"]["holder"] == "rank 1" and waits["rank 1"]["holder"] == "rank 0"


def test_eager_limit_probe_measures_a_limit_between_1_and_64_kib():
    record = run("mpi.deadlock", trace=False, probe=True)
    assert 1024 <= record.result["eager_limit_bytes"] <= 65536


def test_a_failing_rank_aborts_the_whole_job_with_its_error():
    record = run("mpi.scatter", trace=False, workers=2, items=10, check_first=False)
    assert record.status is Status.FAILED
    assert "expecting 2 items, got 10" in record.error_line()


def test_cartesian_topology_reaches_the_trace():
    record = run("mpi.cartesian", topology="torus")
    topo = record.stats["mpi"]["topologies"][0]
    assert topo["dims"] == [2, 2] and topo["periods"] == [True, True]
    assert all(r["up"] == r["down"] for r in record.result["table"])  # 2×2 torus


def test_the_timeline_has_a_lane_per_rank_with_its_calls_and_an_arrow_per_message():
    recipe = catalog.get("mpi.p2p")
    params = catalog.resolve(recipe, {"workers": 2, "payload": "buffer", "items": 1000})
    run_ = controller.start(RunSpec.make(recipe.id, params, trace=True, timeout_s=60))
    run_.wait()
    tl = run_.analysis.timeline
    names = [lane["name"] for lane in tl.lanes]
    assert names == ["rank 0", "rank 1"]  # in rank order, whichever started first
    arrows = tl.arrows[tl.arrows["kind"] == 5]
    assert len(arrows) == 1 and tl.strings[int(arrows[0]["obj"])] == "7.8 KiB"
    assert names[arrows[0]["lane_from"]] == "rank 0" and names[arrows[0]["lane_to"]] == "rank 1"
    labels = {tl.strings[int(s["obj"])] for s in tl.spans if s["state"] == 13}
    assert "Send to rank 1 · tag 7 · 7.8 KiB" in labels
    assert "Recv from rank 0 · tag 7 · 7.8 KiB" in labels


@pytest.mark.parametrize("module", ["reduce", "cartesian"])
def test_a_recipe_runs_alone_under_mpiexec_and_rank_0_prints_the_result(module):
    import json
    import subprocess
    import sys
    from pathlib import Path

    from workbench.mpi_launch import default_mpiexec

    out = subprocess.run(
        [
            default_mpiexec(),
            "-n",
            "3" if module == "reduce" else "4",
            sys.executable,
            "-m",
            f"kernels.mpi.{module}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)  # one JSON document: only rank 0 printed
    assert doc["result"]["summary"]
    if module == "reduce":
        assert doc["result"]["result"] == [0, 6, 12]  # the book's answer with 3 ranks
