"""The book's matrix-doubling kernel with its index-stride bug, and who wrote which cell.

E1-6.02 / E2-8.05 double a 5 x 5 matrix with one 5 x 5 block of threads, computing each
thread's cell as ``x + y * 4``: a row stride of 4 on a 5-wide block. So the thread at the end
of one row and the thread at the start of the next both write cells 4, 8, 12 and 16, and no
thread reaches cells 21 to 24. Here each work-item also adds 1 to a counter for the cell it
writes (``atomic_inc``), and the counters are the ownership map: 0, 1 or 2 writes per cell.
``fixed`` uses the block's real width as the stride: every cell written exactly once.

What a doubly written cell ends up holding depends on the device: if both work-items read
before either writes, it is doubled once (the race hides); if one runs after the other, it is
doubled twice. PoCL runs a work-group's items one after another, so those cells are x4.
"""

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Matrix doubling: the stride bug"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.02, E2-8.05"
SHOWS_BUG = True
LESSON = (
    "A kernel maps work-items to data with index arithmetic, and nothing checks it. The book's "
    "stride (n - 1 on an n-wide work-group) gives some cells two writers and leaves the last "
    "cells untouched: the ownership map shows 2s and 0s. With fixed on, every cell shows 1. "
    "Look at the doubled matrix too: cells with 0 writers keep their value, cells with two are "
    "doubled once or twice depending on how the device schedules the two writers."
)
PARAMS = [
    Param("n", "int", 5, min=2, max=64, help="the matrix and the work-group are n x n"),
    Param("fixed", "bool", False, help="use stride n instead of the book's n - 1"),
    _cl.device_param(),
]
QUICK = {}


def run(ctx, n, fixed, device):
    import pyopencl as cl

    mf = cl.mem_flags
    s = _cl.setup(ctx, device, "matrix_doubling.cl")
    limit = s.device.max_work_group_size
    if n * n > limit:
        return {
            "device": _cl.short(s.device),
            "launch": {"work_items": n * n, "max_work_group_size": limit, "ok": False},
            "summary": f"an {n}x{n} work-group is {n * n} work-items; this device allows {limit}",
        }
    stride = n if fixed else n - 1
    a = np.arange(1, n * n + 1, dtype=np.float32)
    writes = np.zeros(n * n, dtype=np.int32)
    tl = _cl.Timeline()
    t0 = _cl.timer()
    with ctx.timed("work"):
        a_g = cl.Buffer(s.ctx, mf.READ_WRITE, a.nbytes)
        w_g = cl.Buffer(s.ctx, mf.READ_WRITE, writes.nbytes)
        tl.add("h2d", "a", cl.enqueue_copy(s.queue, a_g, a))
        tl.add("h2d", "writes", cl.enqueue_copy(s.queue, w_g, writes))
        knl = s.program.kernel("doublify")
        tl.add("kernel", "doublify", knl(s.queue, (n, n), (n, n), a_g, w_g, np.int32(stride)))
        doubled = np.empty_like(a)
        tl.add("d2h", "a", cl.enqueue_copy(s.queue, doubled, a_g))
        tl.add("d2h", "writes", cl.enqueue_copy(s.queue, writes, w_g))
        s.queue.finish()
    host_ns = _cl.timer() - t0
    counts = {str(k): int((writes == k).sum()) for k in range(3)}
    counts["more"] = int((writes > 2).sum())
    out = _cl.report(s.device, tl, host_ns)
    out.update(
        stride=stride,
        writes_per_cell=counts,
        untouched=[int(i) for i in np.flatnonzero(writes == 0)],
        written_twice=[int(i) for i in np.flatnonzero(writes == 2)],
        factor_seen={
            f"x{k:g}": int(v)
            for k, v in zip(*np.unique(doubled / a, return_counts=True), strict=True)
        },
        original=a.reshape(n, n).tolist(),
        doubled=doubled.reshape(n, n).tolist(),
        check=_cl.check(doubled, 2 * a),
        images={
            "ownership": _cl.image(writes.reshape(n, n), "ownership", "writes per cell (0, 1, 2)"),
            "factor": _cl.image((doubled / a).reshape(n, n), "viridis", "result / original"),
        },
        build=s.build,
    )
    out["summary"] = (
        f"stride {stride} on a {n}-wide work-group: {counts['1']} cells written once, "
        f"{counts['2']} twice, {counts['0']} never"
    )
    return out


if __name__ == "__main__":
    main(__name__)
