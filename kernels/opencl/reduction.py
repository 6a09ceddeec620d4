"""A dot product reduced three ways: a tree in local memory, pyopencl's ReductionKernel, numpy.

``local_tree`` is the kernel written out (``reduction.cl``): each work-item sums its share of
x * y, then its work-group adds those sums pairwise in local memory, halving the active
work-items at every step with a barrier between steps; the host adds the few per-group sums.
Its share is either strided (work-item g takes g, g + G, ...: neighbours read neighbours at
once, as a GPU wants) or a contiguous chunk (as a CPU device wants: it runs a group's
work-items one after another). [measured, PoCL, 4M floats] strided 40 ms, chunked 1.6 ms.
``reduction_kernel`` is E1-6.06's map-reduce (map ``x[i]*y[i]``, reduce ``a+b``) with
pyopencl generating both passes (its loop is strided too). ``numpy`` is ``numpy.dot`` on the host.
Float32 sums in a different order differ in the last digits: the check allows 1e-4 relative.
"""

import time

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Reduction: dot product"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.06"
SHOWS_BUG = False
LESSON = (
    "A reduction turns many values into one: each work-group reduces its part in fast local "
    "memory (a tree of pairwise sums with barriers), and a second pass or the host adds the "
    "groups' results. Compare local_tree with pyopencl's ReductionKernel and with numpy.dot; "
    "the answers agree to float32 rounding, not bit for bit, because the additions come in a "
    "different order."
)
PARAMS = [
    Param("n", "int", 1 << 22, min=1, max=1 << 28, help="vector length (float32)"),
    Param(
        "method",
        "choice",
        "local_tree",
        choices=("local_tree", "reduction_kernel", "numpy"),
        help="who reduces",
    ),
    Param("local_size", "int", 256, min=1, max=4096, help="work-group size (a power of two)"),
    Param(
        "access",
        "choice",
        "auto",
        choices=("auto", "chunked", "strided"),
        help="local_tree's share per work-item; auto: strided on a GPU, chunked otherwise",
    ),
    _cl.device_param(),
]
QUICK = {"n": 1 << 18}


def run(ctx, n, method, local_size, access, device):
    rng = np.random.default_rng(0)
    x = rng.random(n, dtype=np.float32)
    y = rng.random(n, dtype=np.float32)
    t = time.perf_counter()
    reference = float(np.dot(x.astype(np.float64), y.astype(np.float64)))
    t = time.perf_counter()
    host_dot = float(np.dot(x, y))
    numpy_ms = (time.perf_counter() - t) * 1e3
    if method == "numpy":
        with ctx.timed("work"):
            value = float(np.dot(x, y))
        out = {"host_ms": round(numpy_ms, 4)} | _cl.rates(numpy_ms, 2 * n, 8 * n)
    else:
        out = device_dot(ctx, method, x, y, local_size, access, device)
        value = out.pop("value")
    out.update(
        method=method,
        access=out.get("access"),
        value=value,
        reference=reference,
        numpy_dot=host_dot,
        numpy_ms=round(numpy_ms, 4),
        check=_cl.check([value], [reference], rtol=1e-4),
    )
    rel = abs(value - reference) / abs(reference)
    out["summary"] = (
        f"{method}: dot = {value:.6g} (relative error {rel:.1e}) in {out['host_ms']:.2f} ms"
    )
    return out


def device_dot(ctx, method, x, y, local_size, access, device):
    import pyopencl as cl

    s = _cl.setup(ctx, device, "reduction.cl" if method == "local_tree" else None)
    if local_size & (local_size - 1) or local_size > s.device.max_work_group_size:
        raise ValueError(
            f"local_size={local_size}: needs a power of two up to the device's "
            f"max_work_group_size ({s.device.max_work_group_size})"
        )
    if access == "auto":
        access = "strided" if _cl.type_name(s.device.type) == "GPU" else "chunked"
    with ctx.timed("startup"):
        knl = s.program.kernel(f"dot_{access}") if s.program else _reduction_kernel(s.ctx)
    mf = cl.mem_flags
    tl = _cl.Timeline()
    t0 = _cl.timer()
    with ctx.timed("work"):
        x_g = cl.Buffer(s.ctx, mf.READ_ONLY, x.nbytes)
        y_g = cl.Buffer(s.ctx, mf.READ_ONLY, y.nbytes)
        tl.add("h2d", "x", cl.enqueue_copy(s.queue, x_g, x))
        tl.add("h2d", "y", cl.enqueue_copy(s.queue, y_g, y))
        if method == "local_tree":
            value = local_tree(cl, s, tl, knl, x_g, y_g, x.size, local_size)
        else:
            value = reduction_kernel(cl, s, tl, knl, x_g, y_g, x.size)
    host_ns = _cl.timer() - t0
    out = _cl.report(s.device, tl, host_ns, flops=2 * x.size, nbytes=8 * x.size)
    out["build"] = s.build
    out["access"] = access if method == "local_tree" else None
    return out | {"value": value}


def local_tree(cl, s, tl, kernel, x_g, y_g, n, local_size):
    """Enough work-groups to keep every compute unit busy; the host adds their sums."""
    groups = max(1, min(-(-n // local_size), 8 * s.device.max_compute_units))
    partial = np.empty(groups, dtype=np.float32)
    p_g = cl.Buffer(s.ctx, cl.mem_flags.WRITE_ONLY, partial.nbytes)
    scratch = cl.LocalMemory(4 * local_size)
    size = (groups * local_size,)
    event = kernel(s.queue, size, (local_size,), x_g, y_g, p_g, scratch, np.int32(n))
    tl.add("kernel", kernel.function_name, event)
    tl.add("d2h", "partial sums", cl.enqueue_copy(s.queue, partial, p_g))
    s.queue.finish()
    return float(partial.astype(np.float64).sum())


def _reduction_kernel(cl_ctx):
    from pyopencl.reduction import ReductionKernel

    def make():
        args = "__global const float *x, __global const float *y"
        return ReductionKernel(cl_ctx, np.float32, "0", "a+b", "x[i]*y[i]", args)

    return _cl.cached(cl_ctx, ("ReductionKernel dot",), make)


def reduction_kernel(cl, s, tl, knl, x_g, y_g, n):
    """pyopencl enqueues two passes; markers around them time both."""
    from pyopencl.array import Array

    xa = Array(s.queue, (n,), np.float32, data=x_g)
    ya = Array(s.queue, (n,), np.float32, data=y_g)
    before = cl.enqueue_marker(s.queue)
    result = knl(xa, ya)
    tl.add("kernel", "ReductionKernel (2 passes)", _cl.Span(before, cl.enqueue_marker(s.queue)))
    host = np.empty(1, dtype=np.float32)
    tl.add("d2h", "result", cl.enqueue_copy(s.queue, host, result.data))
    s.queue.finish()
    return float(host[0])


if __name__ == "__main__":
    main(__name__)
