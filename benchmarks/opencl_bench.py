"""The OpenCL backend against numpy, and its overheads, on the default device (PoCL's CPU here).

Every figure and its baseline are measured in the same run; times are medians of repeats after
a warm-up run (the first launch of a kernel also pays for the driver's per-work-group-size
compile). Targets, from issue #7:
  Mandelbrot 1024x1024, 256 iterations: device >= 5x numpy-vectorised (active-set numpy)
  SAXPY with zero-copy buffers >= 1x numpy, at 16M floats (192 MB moved: past every cache, so
    it measures memory bandwidth, and a launch costs nothing next to it)
  tiled matrix multiply faster than naive (n = 1024; at n = 256 a CPU's caches already do
    what local memory does, and naive wins: printed too)
  enqueue + finish round trip of an empty kernel: median <= 50 us
  no kernel rebuilt or re-fetched per call: 1 build after 100 calls, the same Kernel object
"""

import time
import uuid

from _common import median, table

from kernels.opencl import _cl, mandelbrot, matmul, saxpy, vector_add
from kernels.recipe import Context

REPEAT = 3


def runs(module, repeat=REPEAT, **params):
    """Results of ``repeat`` runs after one warm-up run."""
    module.run(Context(quiet=True), **params)
    return [module.run(Context(quiet=True), **params) for _ in range(repeat)]


def bench_mandelbrot():
    params = dict(width=1024, height=1024, max_iter=256, precision="double", compare_numpy=True)
    results = runs(mandelbrot, device="auto", **params)
    ours = median(r["host_ms"] for r in results)
    base = median(r["numpy_ms"] for r in results)
    assert all(r["check"]["ok"] for r in results)
    return [("Mandelbrot 1024^2 x256 (ms)", ours, base, base / ours)]


def bench_saxpy():
    rows = []
    for buffers in ("zero_copy", "copy"):
        results = runs(saxpy, repeat=5, n=1 << 24, buffers=buffers, a=2.0, device="auto")
        ours = median(r["host_ms"] for r in results)
        base = median(r["numpy_ms"] for r in results)
        rows.append((f"SAXPY 16M, {buffers} (ms)", ours, base, base / ours))
    return rows


def bench_matmul():
    rows = []
    for n in (1024, 256):
        times = {}
        for method in ("tiled", "naive"):
            params = dict(n=n, method=method, local_size=16, sweep_local=False, device="auto")
            results = runs(matmul, repeat=2 if n > 512 else REPEAT, **params)
            times[method] = median(r["phases_ms"]["kernel"] for r in results)
        ratio = times["naive"] / times["tiled"]
        rows.append(
            (f"matmul {n}: tiled vs naive kernel (ms)", times["tiled"], times["naive"], ratio)
        )
    return rows


def bench_round_trip():
    import pyopencl as cl

    ctx = _cl.context_for("auto")
    queue = _cl.queue(ctx)
    kernel = _cl.build(ctx, "ndrange.cl").kernel("empty")
    times = []
    for _ in range(2000):
        t = time.perf_counter_ns()
        cl.enqueue_nd_range_kernel(queue, kernel, (1,), None)
        queue.finish()
        times.append(time.perf_counter_ns() - t)
    ours = median(times[100:]) / 1e3
    return [("enqueue+finish, empty kernel (us)", ours, 50.0, ours / 50.0)]


def bench_builds():
    """Builds: cold compile, the driver's disk cache, and the workbench's in-process cache."""
    import pyopencl as cl

    ctx = _cl.context_for("auto")
    src = _cl.source("vector_add.cl")
    t = time.perf_counter()
    nonce = f"\n__kernel void k{uuid.uuid4().hex}(void) {{}}\n"  # PoCL's cache ignores comments
    cl.Program(ctx, src + nonce).build()  # a source never seen: a real compile
    cold = (time.perf_counter() - t) * 1e3
    cl.Program(ctx, src).build()
    t = time.perf_counter()
    cl.Program(ctx, src).build()  # what a recipe that builds on every call would pay
    disk = (time.perf_counter() - t) * 1e3
    _cl.build(ctx, "vector_add.cl")
    t = time.perf_counter()
    built = _cl.build(ctx, "vector_add.cl")
    cached = (time.perf_counter() - t) * 1e3
    kernel = built.kernel("sum")
    device = ctx.devices[0].name.strip()
    before = _cl.BUILDS.get(f"vector_add.cl on {device}", 0)
    params = dict(n=100, host_dtype="int32", local_size=0, device="auto")
    for _ in range(100):
        vector_add.run(Context(quiet=True), **params)
    builds = _cl.BUILDS[f"vector_add.cl on {device}"]
    same = _cl.build(ctx, "vector_add.cl").kernel("sum") is kernel
    print(
        f"\nbuilds of vector_add.cl: {before} before, {builds} after 100 calls; same Kernel: {same}"
    )
    print(
        f"build times (ms): cold compile {cold:.1f}, driver disk cache {disk:.1f}, "
        f"workbench cache {cached:.4f}"
    )
    return [
        ("builds after 100 calls", builds, 1, builds / 1),
        ("build (ms): workbench cache vs driver cache", cached, disk, disk / max(cached, 1e-6)),
    ], same


if __name__ == "__main__":
    dev = _cl.device_for("auto")
    print(f"device: {dev.platform.name.strip()}: {dev.name.strip()}")
    table("Mandelbrot: device vs numpy (ratio = numpy / device)", bench_mandelbrot(), ">= 5")
    table("SAXPY: device vs numpy (ratio = numpy / device)", bench_saxpy(), "zero_copy >= 1")
    table("matrix multiply (ratio = naive / tiled)", bench_matmul(), "n=1024: > 1")
    table("round trip (ratio = measured / target)", bench_round_trip(), "<= 1 (50 us)")
    rows, same = bench_builds()
    table("no rebuilds (ratio = builds / 1)", rows, "builds == 1, same Kernel object")
    assert same and rows[0][1] == 1
