"""SAXPY (y = a x + y) with zero-copy buffers or with explicit copies, against numpy.

SAXPY does 2 floating-point operations per 12 bytes moved: memory-bound everywhere. So the
copies matter. ``buffers=copy`` is the book's way: device buffers, ``enqueue_copy`` in, run,
``enqueue_copy`` out. ``buffers=zero_copy`` wraps the host arrays themselves
(``USE_HOST_PTR``, page-aligned) and maps the result for reading: on a CPU device, or a GPU
that shares memory with the CPU, no byte is copied. On a discrete GPU the driver copies anyway
(``ALLOC_HOST_PTR`` pinned memory is the fast path there).
"""

import time

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "SAXPY: zero-copy vs explicit copies"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.05, E1-6.12"
SHOWS_BUG = False
LESSON = (
    "A memory-bound kernel is only as fast as its data gets to it. Compare the phase bars: with "
    "buffers=copy the two uploads and the download take longer than the kernel; with zero_copy "
    "on a CPU device they vanish and the run competes with numpy on equal terms. GB/s is the "
    "figure to watch, against the roofline's memory bandwidth."
)
PARAMS = [
    Param("n", "int", 1 << 24, min=1, max=1 << 28, help="vector length (float32)"),
    Param("buffers", "choice", "zero_copy", choices=("zero_copy", "copy"), help="how data moves"),
    Param("a", "float", 2.0, help="the scalar a"),
    _cl.device_param(),
]
QUICK = {"n": 1 << 20}


def run(ctx, n, buffers, a, device):
    import pyopencl as cl

    s = _cl.setup(ctx, device, "saxpy.cl")
    kernel = s.program.kernel("saxpy")
    x = _cl.aligned_empty(n, np.float32)
    y = _cl.aligned_empty(n, np.float32)
    rng = np.random.default_rng(0)
    x[:] = rng.random(n, dtype=np.float32)
    y[:] = rng.random(n, dtype=np.float32)
    t = time.perf_counter()
    expected = np.float32(a) * x + y
    numpy_ms = (time.perf_counter() - t) * 1e3
    tl = _cl.Timeline()
    t0 = _cl.timer()
    with ctx.timed("work"):
        move = zero_copy if buffers == "zero_copy" else copy
        result = move(cl, s, kernel, tl, np.float32(a), x, y)
    host_ns = _cl.timer() - t0
    out = _cl.report(s.device, tl, host_ns, flops=2 * n, nbytes=12 * n)
    out.update(
        buffers=buffers,
        numpy_ms=round(numpy_ms, 3),
        speedup_vs_numpy=round(numpy_ms / max(out["host_ms"], 1e-6), 3),
        check=_cl.check(result, expected, atol=1e-6, rtol=1e-6),
        build=s.build,
    )
    out["summary"] = (
        f"{n} elements, {buffers}: {out['host_ms']:.2f} ms (kernel {out['phases_ms']['kernel']:.2f}"
        f" ms, {out.get('gbps', 0):.1f} GB/s) vs numpy {numpy_ms:.2f} ms"
    )
    return out


def zero_copy(cl, s, kernel, tl, a, x, y):
    """The kernel reads and writes the host arrays; mapping y makes its result visible."""
    mf = cl.mem_flags
    x_g = cl.Buffer(s.ctx, mf.READ_ONLY | mf.USE_HOST_PTR, hostbuf=x)
    y_g = cl.Buffer(s.ctx, mf.READ_WRITE | mf.USE_HOST_PTR, hostbuf=y)
    tl.add("kernel", "saxpy", kernel(s.queue, (x.size,), None, a, x_g, y_g))
    mapped, event = cl.enqueue_map_buffer(s.queue, y_g, cl.map_flags.READ, 0, y.shape, y.dtype)
    tl.add("d2h", "map y", event)
    result = np.array(mapped, copy=False)
    tl.add("d2h", "unmap y", mapped.base.release(s.queue))
    s.queue.finish()
    return result


def copy(cl, s, kernel, tl, a, x, y):
    """The book's way: device buffers and an explicit copy each way."""
    mf = cl.mem_flags
    x_g = cl.Buffer(s.ctx, mf.READ_ONLY, x.nbytes)
    y_g = cl.Buffer(s.ctx, mf.READ_WRITE, y.nbytes)
    tl.add("h2d", "x", cl.enqueue_copy(s.queue, x_g, x))
    tl.add("h2d", "y", cl.enqueue_copy(s.queue, y_g, y))
    tl.add("kernel", "saxpy", kernel(s.queue, (x.size,), None, a, x_g, y_g))
    result = np.empty_like(y)
    tl.add("d2h", "y", cl.enqueue_copy(s.queue, result, y_g))
    s.queue.finish()
    return result


if __name__ == "__main__":
    main(__name__)
