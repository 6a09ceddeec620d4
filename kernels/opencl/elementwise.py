"""An element-wise expression, from pyopencl's ElementwiseKernel or from a .cl file, vs numpy.

E1-6.11 / E2-8.09 write a one-line C expression and let ``ElementwiseKernel`` wrap it in a
kernel (one work-item per element, ``i`` its index). ``method=cl_file`` runs the same
expression written out as a kernel in ``elementwise.cl``: what pyopencl generates is no more
than that. Both are checked against numpy on the same float32 data; ``sin``, ``cos`` and
``sqrt`` on the device may differ from numpy's in the last bits, hence a small tolerance.
"""

import time

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Element-wise expressions"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.05, E1-6.11, E2-8.09"
SHOWS_BUG = False
LESSON = (
    "An element-wise expression needs no thought about work-groups: one work-item per element, "
    "and pyopencl's ElementwiseKernel writes the kernel for you from one line of C. The .cl "
    "version shows what it generates. Cheap expressions are memory-bound (see GB/s); sin and "
    "cos make it compute-bound (see GFLOP/s)."
)
EXPRESSIONS = {  # name: (C, numpy, FLOP per element; sin, cos and sqrt count as one each)
    "axpby": ("z[i] = a*x[i] + b*y[i]", lambda a, b, x, y: a * x + b * y, 3),
    "hypot2": (
        "z[i] = sqrt(a*x[i]*x[i] + b*y[i]*y[i])",
        lambda a, b, x, y: np.sqrt(a * x * x + b * y * y),
        6,
    ),
    "sincos2": (
        "z[i] = sin(a*x[i]) * cos(b*y[i])",
        lambda a, b, x, y: np.sin(a * x) * np.cos(b * y),
        5,
    ),
}
PARAMS = [
    Param("n", "int", 1 << 22, min=1, max=1 << 28, help="vector length (float32)"),
    Param("expression", "choice", "axpby", choices=tuple(EXPRESSIONS), help="what to compute"),
    Param(
        "method",
        "choice",
        "elementwise_kernel",
        choices=("elementwise_kernel", "cl_file"),
        help="who writes the kernel",
    ),
    _cl.device_param(),
]
QUICK = {"n": 1 << 18}
A, B = np.float32(2.0), np.float32(0.5)


def run(ctx, n, expression, method, device):
    import pyopencl as cl

    mf = cl.mem_flags
    c_expr, numpy_expr, flop = EXPRESSIONS[expression]
    s = _cl.setup(ctx, device, "elementwise.cl" if method == "cl_file" else None)
    with ctx.timed("startup"):
        knl = s.program.kernel(expression) if s.program else generated(s.ctx, expression, c_expr)
    rng = np.random.default_rng(0)
    x = rng.random(n, dtype=np.float32)
    y = rng.random(n, dtype=np.float32)
    z = np.empty_like(x)
    tl = _cl.Timeline()
    t0 = _cl.timer()
    with ctx.timed("work"):
        x_g = cl.Buffer(s.ctx, mf.READ_ONLY, x.nbytes)
        y_g = cl.Buffer(s.ctx, mf.READ_ONLY, y.nbytes)
        z_g = cl.Buffer(s.ctx, mf.WRITE_ONLY, z.nbytes)
        tl.add("h2d", "x", cl.enqueue_copy(s.queue, x_g, x))
        tl.add("h2d", "y", cl.enqueue_copy(s.queue, y_g, y))
        if s.program:
            event = knl(s.queue, (n,), None, x_g, y_g, z_g, A, B)
        else:
            event = call_generated(s.queue, knl, x_g, y_g, z_g, n)
        tl.add("kernel", expression, event)
        tl.add("d2h", "z", cl.enqueue_copy(s.queue, z, z_g))
        s.queue.finish()
    host_ns = _cl.timer() - t0
    t = time.perf_counter()
    expected = numpy_expr(A, B, x, y)
    numpy_ms = (time.perf_counter() - t) * 1e3
    out = _cl.report(s.device, tl, host_ns, flops=flop * n, nbytes=12 * n)
    out.update(
        expression=c_expr,
        method=method,
        numpy_ms=round(numpy_ms, 4),
        check=_cl.check(z, expected, atol=1e-6, rtol=1e-5),
        build=s.build or {"file": f"ElementwiseKernel {expression}", "build_ms": None},
    )
    out["summary"] = (
        f"{c_expr} on {n} floats ({method}): kernel {out['phases_ms']['kernel']:.2f} ms, host "
        f"{out['host_ms']:.2f} ms, numpy {numpy_ms:.2f} ms; {out['check']['wrong']} wrong"
    )
    return out


def generated(cl_ctx, name, c_expr):
    """An ElementwiseKernel, made once per context and thread (building it compiles a program)."""
    from pyopencl.elementwise import ElementwiseKernel

    args = "__global const float *x, __global const float *y, __global float *z, float a, float b"
    return _cl.cached(
        cl_ctx,
        (f"ElementwiseKernel {name}",),
        lambda: ElementwiseKernel(cl_ctx, args, c_expr, name),
    )


def call_generated(queue, knl, x_g, y_g, z_g, n):
    from pyopencl.array import Array

    arrays = [Array(queue, (n,), np.float32, data=buf) for buf in (x_g, y_g, z_g)]
    return knl(*arrays, A, B)


if __name__ == "__main__":
    main(__name__)
