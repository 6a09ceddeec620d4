"""Matrix multiply, naive vs tiled in local memory, with a work-group size sweep and the limits.

``naive``: each work-item computes one element of C, reading a row of A and a column of B
from global memory. ``tiled``: a work-group first copies a square tile of A and of B into
local memory, then every work-item reads them from there, so each element of global memory is
read n / tile times instead of n times. Both add the products in the same order with fma, so
their results are bit-for-bit equal (``c_sha1``).

Launch limits come from the device before anything is enqueued: a work-group of
local_size x local_size work-items must fit the device's max_work_group_size and the kernel's
own limit, each side the max_work_item_sizes, and the two tiles its local memory. E1-6.03
multiplies with one block of N x N threads and fails above 32 x 32 on a GPU (1024 threads);
``local_size=0`` does the same here (one work-group for the whole matrix).
"""

import hashlib
import time

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Matrix multiply: naive vs tiled, work-group sweep"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.03, E2-8.06"
SHOWS_BUG = True
LESSON = (
    "Where the data sits decides the speed. The tiled kernel reads each tile once into local "
    "memory and re-uses it, so it moves far fewer bytes than the naive one; the work-group sweep "
    "shows how the tile size changes that. Ask for a work-group larger than the device allows "
    "(local_size=0 with a large n: the book's single block) and the run explains the limit "
    "instead of failing inside OpenCL."
)
PARAMS = [
    Param("n", "int", 256, min=1, max=4096, help="matrix size (n x n float32)"),
    Param("method", "choice", "tiled", choices=("naive", "tiled"), help="kernel"),
    Param("local_size", "int", 16, min=0, max=256, help="work-group side; 0: one group (book)"),
    Param("sweep_local", "bool", False, help="also time every power-of-two work-group side"),
    _cl.device_param(),
]
QUICK = {"n": 64, "local_size": 8}


def run(ctx, n, method, local_size, sweep_local, device):
    s = _cl.setup(ctx, device, "matmul.cl")
    kernel = s.program.kernel(f"matmul_{method}")
    side = local_size or n
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    launch = limits(s.device, kernel, side, method == "tiled")
    out = {"device": _cl.short(s.device), "launch": launch, "build": s.build}
    if not launch["ok"]:
        out["summary"] = f"not launched: {launch['reason']}"
        return out
    c, tl, host_ns = multiply(ctx, s, kernel, method, a, b, side)
    out |= _cl.report(s.device, tl, host_ns, flops=2 * n**3, nbytes=3 * n * n * 4)
    t = time.perf_counter()
    expected = a @ b
    out["numpy_ms"] = round((time.perf_counter() - t) * 1e3, 4)
    out["check"] = _cl.check(c, expected, atol=1e-4 * n, rtol=1e-4)
    out["c_sha1"] = hashlib.sha1(c.tobytes()).hexdigest()
    out["method"] = method
    out["local_size"] = f"{side}x{side}"
    if sweep_local:
        out["wg_sweep"] = sweep(ctx, s, method, a, b, expected)
    out["summary"] = (
        f"{method} {n}x{n} with {side}x{side} work-groups: kernel {out['phases_ms']['kernel']:.2f}"
        f" ms, {out.get('gflops', 0):.2f} GFLOP/s; numpy {out['numpy_ms']:.2f} ms"
    )
    return out


def limits(dev, kernel, side, tiled):
    """Whether a side x side work-group can launch here, and if not, why (before enqueueing)."""
    import pyopencl as cl

    kernel_max = kernel.get_work_group_info(cl.kernel_work_group_info.WORK_GROUP_SIZE, dev)
    need_local = 2 * side * side * 4 if tiled else 0
    info = {
        "work_items": side * side,
        "max_work_group_size": dev.max_work_group_size,
        "kernel_work_group_size": kernel_max,
        "max_work_item_sizes": list(dev.max_work_item_sizes),
        "local_mem_needed": need_local,
        "local_mem_bytes": dev.local_mem_size,
    }
    reasons = []
    if side * side > min(dev.max_work_group_size, kernel_max):
        reasons.append(
            f"a {side}x{side} work-group is {side * side} work-items; the device allows "
            f"{dev.max_work_group_size} per group and this kernel {kernel_max}"
        )
    if side > min(dev.max_work_item_sizes[:2]):
        reasons.append(
            f"a side of {side} is over max_work_item_sizes {info['max_work_item_sizes']}"
        )
    if need_local > dev.local_mem_size:
        reasons.append(
            f"two {side}x{side} tiles need {need_local} bytes of local memory; "
            f"the device has {dev.local_mem_size}"
        )
    return info | {"ok": not reasons, "reason": "; ".join(reasons) or None}


def multiply(ctx, s, kernel, method, a, b, side, tl=None):
    import pyopencl as cl

    mf = cl.mem_flags
    n = a.shape[0]
    tl = tl or _cl.Timeline()
    c = np.empty_like(a)
    size = -(-n // side) * side
    extra = (
        (cl.LocalMemory(side * side * 4), cl.LocalMemory(side * side * 4))
        if method == "tiled"
        else ()
    )
    t0 = _cl.timer()
    with ctx.timed("work"):
        a_g = cl.Buffer(s.ctx, mf.READ_ONLY, a.nbytes)
        b_g = cl.Buffer(s.ctx, mf.READ_ONLY, b.nbytes)
        c_g = cl.Buffer(s.ctx, mf.WRITE_ONLY, c.nbytes)
        tl.add("h2d", "A", cl.enqueue_copy(s.queue, a_g, a))
        tl.add("h2d", "B", cl.enqueue_copy(s.queue, b_g, b))
        event = kernel(s.queue, (size, size), (side, side), a_g, b_g, c_g, np.int32(n), *extra)
        tl.add("kernel", f"matmul_{method}", event)
        tl.add("d2h", "C", cl.enqueue_copy(s.queue, c, c_g))
        s.queue.finish()
    return c, tl, _cl.timer() - t0


def sweep(ctx, s, method, a, b, expected):
    """Every power-of-two side the device allows; the best of two kernel times each."""
    kernel = s.program.kernel(f"matmul_{method}")
    n = a.shape[0]
    sides = [
        2**k
        for k in range(9)
        if 2**k <= n and limits(s.device, kernel, 2**k, method == "tiled")["ok"]
    ]
    rows = []
    for i, side in enumerate(sides):
        times = []
        for _ in range(2):
            c, tl, _ = multiply(ctx, s, kernel, method, a, b, side)
            times.append(tl.phases_ms()["kernel"])
        best = min(times)
        ok = _cl.check(c, expected, atol=1e-4 * n, rtol=1e-4)["ok"]
        gflops = _cl.rates(best, 2 * n**3, None).get("gflops", 0.0)
        rows.append({"local_size": f"{side}x{side}", "kernel_ms": best, "gflops": gflops, "ok": ok})
        ctx.progress(i + 1, len(sides))
    return rows


if __name__ == "__main__":
    main(__name__)
