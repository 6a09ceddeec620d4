"""The OpenCL recipes (chapter 6): each run shows its lesson on the default device.

In-process with small parameters, then every recipe once end to end through the engine. The
histogram race is not asserted: on PoCL's CPU device counts are lost only while two cores
update the same bins at once, which a busy 2-core machine may not allow ([measured] anywhere
from 0 to most of the counts, run to run). Exactness with atomics is asserted.
"""

import importlib
import json

import pytest

pytest.importorskip("pyopencl")

from kernels.opencl import _cl
from kernels.recipe import Context, defaults
from workbench import catalog, controller
from workbench.spec import RunSpec, Status

try:
    _cl.device_for("auto")
except Exception as exc:  # no driver at all: nothing here can run
    pytest.skip(f"no OpenCL device: {exc}", allow_module_level=True)

NAMES = [
    "device_info",
    "vector_add",
    "elementwise",
    "saxpy",
    "reduction",
    "matmul",
    "mandelbrot",
    "histogram",
    "matrix_doubling",
    "stencil",
    "roofline_probe",
]
CMAPS = {"viridis", "magma", "ownership", "diverging"}

pytestmark = pytest.mark.timeout(60)


def recipe(name):
    return importlib.import_module(f"kernels.opencl.{name}")


def quick(name, **over):
    module = recipe(name)
    return module.run(Context(quiet=True), **{**defaults(module), **module.QUICK, **over})


def test_every_recipe_module_is_listed():
    ids = {r.id for r in catalog.recipes() if r.backend == "opencl"}
    assert ids == {f"opencl.{n}" for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_module_contract(name):
    module = recipe(name)
    assert module.CHAPTER == "6. GPU programming (OpenCL)"
    assert module.TITLE and module.BOOK and module.LESSON and module.__doc__
    params = {p.name: p for p in module.PARAMS}
    assert params["device"].type == "str" and params["device"].default == "auto"
    assert "workbench devices" in params["device"].help
    assert "workers" not in params
    assert set(module.QUICK) <= set(params)
    for key, value in module.QUICK.items():
        params[key].check(value)


@pytest.mark.parametrize("name", NAMES)
def test_quick_result_follows_the_conventions(name):
    r = quick(name)
    json.dumps(r, allow_nan=False)
    assert r["summary"]
    assert set(r["device"]) == {"platform", "name", "type"}
    assert set(r["phases_ms"]) == {"h2d", "kernel", "d2h"}
    assert all(isinstance(v, float) and v >= 0 for v in r["phases_ms"].values())
    assert r["host_ms"] > 0
    assert 0 < len(r["commands"]) <= 500
    for c in r["commands"]:
        assert {"queue", "name", "start_ns", "end_ns"} <= set(c) and c["end_ns"] >= c[
            "start_ns"
        ] >= 0
    assert min(c["start_ns"] for c in r["commands"]) == 0
    for image in r.get("images", {}).values():
        assert image["cmap"] in CMAPS and image["label"]
        assert 0 < len(image["data"]) <= 512 and 0 < len(image["data"][0]) <= 512
    if "check" in r:
        assert set(r["check"]) == {"max_abs_err", "wrong", "total", "ok"}
    if "gflops" in r and "gbps" in r:
        assert r["intensity"] == pytest.approx(r["gflops"] / r["gbps"], rel=0.01)


def test_vector_add_int64_host_arrays_get_half_the_sums_right():
    r = quick("vector_add", n=100, host_dtype="int64")
    assert (r["correct"], r["first_wrong"], r["never_written"]) == (50, 50, 50)
    assert r["check"]["wrong"] == 50 and not r["check"]["ok"]
    assert "int64" in r["warning"]
    mask = r["images"]["wrong"]["data"]
    assert sum(map(sum, mask)) == 50 and mask[0][0] == 0 and mask[-1][-1] == 1


def test_vector_add_int32_host_arrays_are_all_right():
    r = quick("vector_add", n=1000, host_dtype="int32", local_size=64)
    assert r["correct"] == 1000 and r["check"]["ok"] and "warning" not in r


@pytest.mark.parametrize("method", ["elementwise_kernel", "cl_file"])
@pytest.mark.parametrize("expression", ["axpby", "sincos2"])
def test_elementwise_matches_numpy(method, expression):
    assert quick("elementwise", method=method, expression=expression)["check"]["ok"]


@pytest.mark.parametrize("buffers", ["zero_copy", "copy"])
def test_saxpy_matches_numpy(buffers):
    r = quick("saxpy", buffers=buffers)
    assert r["check"]["ok"] and r["intensity"] == pytest.approx(2 / 12, rel=0.01)
    if buffers == "zero_copy":
        assert r["phases_ms"]["h2d"] == 0  # nothing is copied in
    else:
        assert r["phases_ms"]["h2d"] > 0


@pytest.mark.parametrize(
    "method, access",
    [("local_tree", "chunked"), ("local_tree", "strided"), ("reduction_kernel", "auto")],
)
def test_reduction_agrees_with_numpy(method, access):
    r = quick("reduction", method=method, access=access)
    assert r["check"]["ok"] and r["value"] == pytest.approx(r["reference"], rel=1e-4)


def test_reduction_numpy_method_needs_no_device():
    r = quick("reduction", method="numpy")
    assert r["check"]["ok"] and "phases_ms" not in r


def test_tiled_and_naive_matmul_give_identical_results():
    naive = quick("matmul", method="naive")
    tiled = quick("matmul", method="tiled")
    assert naive["check"]["ok"] and tiled["check"]["ok"]
    assert naive["c_sha1"] == tiled["c_sha1"]


def test_matmul_sweep_times_every_allowed_work_group():
    r = quick("matmul", method="tiled", sweep_local=True)
    sides = [row["local_size"] for row in r["wg_sweep"]]
    assert sides[:4] == ["1x1", "2x2", "4x4", "8x8"]
    assert all(row["ok"] and row["kernel_ms"] > 0 for row in r["wg_sweep"])


def test_matmul_explains_a_work_group_over_the_device_limit_instead_of_failing():
    limit = _cl.device_for("auto").max_work_group_size
    n = int(limit**0.5) + 1  # local_size=0: one n x n work-group, the book's single block
    r = quick("matmul", n=n, local_size=0)
    assert not r["launch"]["ok"]
    assert str(limit) in r["launch"]["reason"] and r["summary"].startswith("not launched")
    assert "phases_ms" not in r


def test_mandelbrot_counts_match_numpy():
    r = quick("mandelbrot")
    assert r["check"]["ok"] and r["differ"] <= 2
    image = r["images"]["iterations"]["data"]
    assert len(image) == 128 and max(map(max, image)) == 64


def test_histogram_with_atomics_is_exact():
    r = quick("histogram", atomics=True)
    assert r["lost"] == 0 and r["check"]["ok"] and r["counts"] == r["expected"]


def test_histogram_without_atomics_never_counts_too_many(capsys):
    r = quick("histogram", atomics=False, trials=2)
    assert all(0 <= lost <= r["expected_total"] for lost in r["lost_per_trial"])
    assert all(c <= e for c, e in zip(r["counts"], r["expected"], strict=True))
    assert r["series"]["lost per bin"]["v"] == [
        e - c for c, e in zip(r["counts"], r["expected"], strict=True)
    ]
    with capsys.disabled():
        print(f"\n  histogram without atomics lost {r['lost_per_trial']} of {r['expected_total']}")


def test_matrix_doubling_book_stride_leaves_holes_and_double_writes():
    r = quick("matrix_doubling", n=5, fixed=False)
    assert r["stride"] == 4
    assert r["writes_per_cell"] == {"0": 4, "1": 17, "2": 4, "more": 0}
    assert r["untouched"] == [21, 22, 23, 24] and r["written_twice"] == [4, 8, 12, 16]
    ownership = r["images"]["ownership"]["data"]
    assert ownership[4] == [1, 0, 0, 0, 0] and ownership[0][4] == 2
    assert r["factor_seen"].get("x1") == 4


def test_matrix_doubling_fixed_writes_every_cell_once():
    r = quick("matrix_doubling", n=7, fixed=True)
    assert r["writes_per_cell"] == {"0": 0, "1": 49, "2": 0, "more": 0}
    assert r["check"]["ok"] and r["factor_seen"] == {"x2": 49}


def test_stencil_matches_numpy_exactly():
    r = quick("stencil")
    assert r["check"]["ok"] and r["check"]["max_abs_err"] == 0.0


def test_roofline_probe_measures_both_roofs():
    r = quick("roofline_probe")
    assert r["gbps_peak"] > 0 and r["gflops_peak"] > 0


def test_device_info_lists_devices_and_cuts_the_range_into_groups():
    r = quick("device_info", global_size=16, local_size=4)
    assert r["devices"] and all("max_work_group_size" in d for d in r["devices"])
    assert r["work_groups"] == 16
    assert r["images"]["work_group"]["data"][0][:5] == [0, 0, 0, 0, 1]


def test_a_kernel_that_fails_to_build_shows_the_log_with_line_numbers(tmp_path, monkeypatch):
    (tmp_path / "broken.cl").write_text(
        "__kernel void f(__global int *a)\n{\n    a[0] = undefined_name;\n}\n"
    )
    monkeypatch.setattr(_cl, "HERE", tmp_path)
    with pytest.raises(_cl.BuildError) as info:
        _cl.build(_cl.context_for("auto"), "broken.cl")
    message = str(info.value)
    assert "broken.cl failed to build" in message
    assert "broken.cl:3:" in message  # the compiler's own line number, from the #line directive
    assert "   3 |     a[0] = undefined_name;" in message  # and the line it points at


def test_kernels_are_built_and_fetched_once():
    quick("vector_add")
    before = _cl.stats()
    quick("vector_add")
    quick("vector_add")
    assert _cl.stats() == before
    device = _cl.device_for("auto").name.strip()
    assert _cl.BUILDS[f"vector_add.cl on {device}"] == 1
    ctx = _cl.context_for("auto")
    built = _cl.build(ctx, "vector_add.cl")
    assert built is _cl.build(ctx, "vector_add.cl") and built.reused
    assert built.kernel("sum") is built.kernel("sum") is built.sum


def test_generated_kernels_are_cached_too():
    quick("elementwise", method="elementwise_kernel")
    quick("reduction", method="reduction_kernel")
    before = _cl.stats()
    quick("elementwise", method="elementwise_kernel")
    quick("reduction", method="reduction_kernel")
    assert _cl.stats() == before


@pytest.mark.parametrize("name", NAMES)
def test_recipe_runs_end_to_end_through_the_engine(name):
    recipe_ = catalog.get(f"opencl.{name}")
    spec = RunSpec.make(recipe_.id, catalog.resolve(recipe_, dict(recipe_.quick)), timeout_s=60)
    record = controller.run(spec)
    assert record.status is Status.OK, record.error_line() + "\n" + str(record.log[-20:])
    assert record.result["summary"] and record.result["device"]["name"]
    assert record.wall_s is not None and record.wall_s > 0


def test_an_unknown_device_fails_the_run_with_a_list_of_devices():
    recipe_ = catalog.get("opencl.vector_add")
    params = catalog.resolve(recipe_, {"device": "no such device"})
    record = controller.run(RunSpec.make(recipe_.id, params, timeout_s=30))
    assert record.status is Status.FAILED
    assert "no OpenCL device matches 'no such device'" in record.error_line()
