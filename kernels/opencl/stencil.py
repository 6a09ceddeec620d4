"""Heat diffusion on a grid: Jacobi steps of a 5-point stencil, on the device and in numpy.

Every step replaces each interior point by the mean of its four neighbours; the edges hold
their temperatures (the top edge hot, the others cold). The device keeps both grids in its
memory for all the steps and swaps them (ping-pong), so the data crosses to the device once
and back once: the phase bars show the transfers against many kernel launches. numpy does the
same additions in the same order, so the grids agree exactly in float32.
"""

import time

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Stencil: 2-D heat (Jacobi)"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.12 (extra: a stencil step)"
SHOWS_BUG = False
LESSON = (
    "A stencil reads neighbours, so every step depends on the previous one: the steps run one "
    "after another, the points of a step in parallel. Keep the data on the device between "
    "steps (two buffers swapped each step) and only the first upload and the last download "
    "cross the bus. The picture is the temperature after the last step."
)
PARAMS = [
    Param("n", "int", 512, min=3, max=8192, help="grid side (n x n float32)"),
    Param("steps", "int", 100, min=1, max=100_000, help="Jacobi steps"),
    _cl.device_param(),
]
QUICK = {"n": 128, "steps": 20}


def initial(n):
    u = np.zeros((n, n), dtype=np.float32)
    u[0, :] = 1.0  # the hot edge
    return u


def numpy_steps(u, steps):
    u, v = u.copy(), u.copy()
    for _ in range(steps):
        v[1:-1, 1:-1] = np.float32(0.25) * (u[1:-1, :-2] + u[1:-1, 2:] + u[:-2, 1:-1] + u[2:, 1:-1])
        u, v = v, u
    return u


def run(ctx, n, steps, device):
    import pyopencl as cl

    mf = cl.mem_flags
    s = _cl.setup(ctx, device, "stencil.cl")
    kernel = s.program.kernel("jacobi")
    u = initial(n)
    result = np.empty_like(u)
    tl = _cl.Timeline()
    t0 = _cl.timer()
    with ctx.timed("work"):
        grids = [cl.Buffer(s.ctx, mf.READ_WRITE, u.nbytes) for _ in range(2)]
        tl.add("h2d", "u", cl.enqueue_copy(s.queue, grids[0], u))
        for step in range(steps):
            src, dst = grids[step % 2], grids[(step + 1) % 2]
            tl.add("kernel", "jacobi", kernel(s.queue, (n, n), None, src, dst, np.int32(n)))
            if step % 50 == 49:
                s.queue.finish()
                ctx.progress(step + 1, steps)
        tl.add("d2h", "u", cl.enqueue_copy(s.queue, result, grids[steps % 2]))
        s.queue.finish()
    host_ns = _cl.timer() - t0
    points = steps * n * n
    out = _cl.report(s.device, tl, host_ns, flops=4 * points, nbytes=8 * points)
    t = time.perf_counter()
    expected = numpy_steps(u, steps)
    out["numpy_ms"] = round((time.perf_counter() - t) * 1e3, 3)
    out["speedup_vs_numpy"] = round(out["numpy_ms"] / max(out["host_ms"], 1e-6), 3)
    out["check"] = _cl.check(result, expected, atol=1e-6)
    out["images"] = {"temperature": _cl.image(result, "magma", f"temperature after {steps} steps")}
    out["build"] = s.build
    out["summary"] = (
        f"{steps} steps on {n}x{n}: {out['host_ms']:.1f} ms on the device (kernels "
        f"{out['phases_ms']['kernel']:.1f} ms), numpy {out['numpy_ms']:.1f} ms"
    )
    return out


if __name__ == "__main__":
    main(__name__)
