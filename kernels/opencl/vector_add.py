"""The book's vector sum, and the integer-width mismatch that breaks half of it.

E1-6.10 / E2-8.08 build a PyOpenCL program that adds two vectors of random integers. The kernel
reads ``int`` (4 bytes); NumPy's ``randint`` makes int64 (8 bytes) on Linux. The kernel then
sees each 64-bit number as two 32-bit words (the low word, then a zero high word for small
positive numbers), so its n work-items cover only the first n/2 numbers: those come out right
and the second half of the result is never written. [measured on PoCL] 50 of 100 correct.
``host_dtype=int32`` makes host and kernel agree: 100 of 100.

The result buffer is filled with -1 first, so the cells the kernel never wrote show as -1.
"""

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Vector add: host/kernel integer width"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.10, E2-8.08"
SHOWS_BUG = True
LESSON = (
    "The host, the context, the queue, the program and the kernel: the five objects of every "
    "OpenCL program. With host_dtype=int64 (the book's arrays) the kernel reads 4-byte ints from "
    "8-byte numbers: only the first half of the result is right, the wrong-cells picture shows "
    "where. With int32, every cell is right. Nothing warns you: OpenCL buffers are untyped bytes."
)
PARAMS = [
    Param("n", "int", 100, min=2, max=1 << 26, help="vector length"),
    Param("host_dtype", "choice", "int64", choices=("int64", "int32"), help="host array type"),
    Param("local_size", "int", 0, min=0, max=4096, help="work-group size; 0 lets the driver pick"),
    _cl.device_param(),
]
QUICK = {}


def run(ctx, n, host_dtype, local_size, device):
    import pyopencl as cl

    mf = cl.mem_flags
    rng = np.random.default_rng(0)
    a = rng.integers(1, 100, n).astype(host_dtype)
    b = rng.integers(1, 100, n).astype(host_dtype)
    s = _cl.setup(ctx, device, "vector_add.cl")
    cl_ctx, q, kernel = s.ctx, s.queue, s.program.kernel("sum")
    if local_size > s.device.max_work_group_size:
        raise ValueError(
            f"local_size={local_size} is over this device's max_work_group_size "
            f"({s.device.max_work_group_size}): see `workbench devices`"
        )
    res = np.full(n, -1, dtype=host_dtype)
    local = (local_size,) if local_size else None
    glob = -(-n // local_size) * local_size if local_size else n
    tl = _cl.Timeline()
    t0 = _cl.timer()
    with ctx.timed("work"):
        a_g = cl.Buffer(cl_ctx, mf.READ_ONLY, a.nbytes)
        b_g = cl.Buffer(cl_ctx, mf.READ_ONLY, b.nbytes)
        c_g = cl.Buffer(cl_ctx, mf.WRITE_ONLY, res.nbytes)
        tl.add("h2d", "a", cl.enqueue_copy(q, a_g, a))
        tl.add("h2d", "b", cl.enqueue_copy(q, b_g, b))
        tl.add("h2d", "fill c", cl.enqueue_copy(q, c_g, res))
        tl.add("kernel", "sum", kernel(q, (glob,), local, a_g, b_g, c_g, np.int32(n)))
        tl.add("d2h", "c", cl.enqueue_copy(q, res, c_g))
        q.finish()
    host_ns = _cl.timer() - t0
    expected = a + b
    wrong = res != expected
    nbytes = 3 * n * 4  # what the kernel reads and writes: n ints of a, b and c
    out = _cl.report(s.device, tl, host_ns, flops=n, nbytes=nbytes)
    out["check"] = _cl.check(res, expected)
    first_wrong = int(np.argmax(wrong)) if wrong.any() else None
    out.update(
        correct=int(n - wrong.sum()),
        total=n,
        first_wrong=first_wrong,
        never_written=int((res == -1).sum()),
        host_itemsize=a.itemsize,
        kernel_itemsize=4,
        images={
            "wrong": _cl.image(
                _cl.grid(wrong.astype(np.int8)),
                "diverging",
                f"1 = wrong cell (row-major, {_cl.grid(wrong).shape[1]} per row)",
            )
        },
        build=s.build,
    )
    if a.itemsize != 4:
        out["warning"] = (
            f"host arrays are {host_dtype} ({a.itemsize} bytes) but the kernel reads int (4)"
        )
    out["summary"] = f"{out['correct']} of {n} sums correct with {host_dtype} host arrays" + (
        f"; wrong from element {first_wrong} on" if first_wrong is not None else ""
    )
    return out


if __name__ == "__main__":
    main(__name__)
