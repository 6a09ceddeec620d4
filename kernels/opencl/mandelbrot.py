"""Mandelbrot iteration counts, one work-item per pixel, against numpy on the same grid.

Every pixel is independent, so this is the friendliest case for a data-parallel device. The
numpy version is vectorised the honest way: it iterates only the points that have not escaped
yet (the active set shrinks every step), so it is no straw man. Both sides do the same
floating-point steps (the kernel turns fused multiply-add off), so the counts agree; a pixel on
the very edge of the set could still differ where a driver rounds differently, and the result
says how many do.
"""

import time

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Mandelbrot: device vs numpy"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.12, E2-8.10"
SHOWS_BUG = False
LESSON = (
    "Each pixel's iterations are independent work: the device runs them all in parallel, numpy "
    "runs one whole-array step at a time from Python. Compare host_ms with numpy_ms, look at "
    "the picture, and at check: the counts should be equal. The phase bars show that copying "
    "the picture back is small next to the kernel: a compute-bound kernel."
)
PARAMS = [
    Param("width", "int", 512, min=8, max=8192, help="pixels across"),
    Param("height", "int", 512, min=8, max=8192, help="pixels down"),
    Param(
        "max_iter",
        "int",
        256,
        min=1,
        max=100_000,
        help="iterations before a point counts as inside",
    ),
    Param("precision", "choice", "double", choices=("double", "float"), help="real type"),
    Param("compare_numpy", "bool", True, help="also time numpy on the same grid and compare"),
    _cl.device_param(),
]
QUICK = {"width": 128, "height": 128, "max_iter": 64}
VIEW = (-2.0, 0.6, -1.3, 1.3)  # x0, x1, y0, y1


def numpy_counts(width, height, max_iter, dtype):
    """The same iteration on numpy arrays, iterating only the points still inside."""
    x0, x1, y0, y1 = VIEW
    cr = np.arange(width, dtype=dtype) * dtype((x1 - x0) / width) + dtype(x0)
    ci = np.arange(height, dtype=dtype) * dtype((y1 - y0) / height) + dtype(y0)
    cr = np.tile(cr, height)
    ci = np.repeat(ci, width)
    counts = np.full(width * height, max_iter, dtype=np.int32)
    idx = np.arange(width * height)
    zr = np.zeros_like(cr)
    zi = np.zeros_like(cr)
    for n in range(max_iter):
        zr2, zi2 = zr * zr, zi * zi
        out = zr2 + zi2 > 4
        if out.any():
            counts[idx[out]] = n
            keep = ~out
            idx, zr, zi, cr, ci, zr2, zi2 = (v[keep] for v in (idx, zr, zi, cr, ci, zr2, zi2))
        zi = 2 * zr * zi + ci
        zr = zr2 - zi2 + cr
    return counts.reshape(height, width)


def run(ctx, width, height, max_iter, precision, compare_numpy, device):
    import pyopencl as cl

    s = _cl.setup(ctx, device)
    note = None
    if precision == "double" and not _cl.has_fp64(s.device):
        precision, note = "float", "the device has no double precision: float used"
    dtype = np.float64 if precision == "double" else np.float32
    with ctx.timed("startup"):
        built = _cl.build(s.ctx, "mandelbrot.cl", ("-DUSE_DOUBLE",) if dtype is np.float64 else ())
        kernel = built.kernel("mandelbrot")
    x0, x1, y0, y1 = VIEW
    counts = np.empty((height, width), dtype=np.int32)
    args = (dtype(x0), dtype(y0), dtype((x1 - x0) / width), dtype((y1 - y0) / height))
    tl = _cl.Timeline()
    t0 = _cl.timer()
    with ctx.timed("work"):
        out_g = cl.Buffer(s.ctx, cl.mem_flags.WRITE_ONLY, counts.nbytes)
        sizes = (np.int32(width), np.int32(height), np.int32(max_iter))
        tl.add("kernel", "mandelbrot", kernel(s.queue, (width, height), None, out_g, *args, *sizes))
        tl.add("d2h", "counts", cl.enqueue_copy(s.queue, counts, out_g))
        s.queue.finish()
    host_ns = _cl.timer() - t0
    iterations = float(counts.sum()) + counts.size
    out = _cl.report(s.device, tl, host_ns, flops=8 * iterations, nbytes=counts.nbytes)
    out["images"] = {"iterations": _cl.image(counts, "magma", f"iterations (max {max_iter})")}
    out["build"] = built.info()
    out["precision"] = precision
    summary = f"{width}x{height}, {max_iter} iterations: {out['host_ms']:.1f} ms on the device"
    if compare_numpy:
        t = time.perf_counter()
        ref = numpy_counts(width, height, max_iter, dtype)
        out["numpy_ms"] = round((time.perf_counter() - t) * 1e3, 3)
        out["speedup_vs_numpy"] = round(out["numpy_ms"] / max(out["host_ms"], 1e-6), 3)
        out["check"] = _cl.check(counts, ref)
        out["check"]["ok"] = out["check"]["wrong"] <= 1e-4 * counts.size  # edge pixels
        out["differ"] = out["check"]["wrong"]
        summary += (
            f", numpy {out['numpy_ms']:.1f} ms ({out['speedup_vs_numpy']:.1f}x);"
            f" {out['differ']} of {counts.size} counts differ"
        )
    if note:
        out["note"] = note
    out["summary"] = summary
    return out


if __name__ == "__main__":
    main(__name__)
