"""Measures a device's roofline: memory bandwidth (a triad) and peak compute (chains of FMAs).

The roofline says how fast a kernel can go on this device: a kernel that does I FLOP per byte
it moves can reach at most min(peak GFLOP/s, I x bandwidth). Bandwidth comes from a
STREAM-like triad ``a = b + s c`` over three buffers much larger than the caches; peak compute
from independent chains of float8 fused multiply-adds with no memory traffic. Each is the best
of a few short runs, so the whole probe takes well under a few seconds. The workbench caches
the two numbers per device (``workbench roofline``) and places every run on them.
"""

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Roofline probe: bandwidth and peak compute"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.12 (extra: the roofline)"
SHOWS_BUG = False
LESSON = (
    "Two numbers bound every kernel on a device: how many bytes per second its memory delivers "
    "and how many floating-point operations per second it can do. A kernel's intensity (FLOP "
    "per byte) says which of the two limits it: SAXPY and vector add sit under the memory roof, "
    "Mandelbrot and a large tiled matrix multiply under the compute roof."
)
PARAMS = [
    Param("size_mb", "int", 64, min=1, max=4096, help="size of each of the triad's three buffers"),
    Param("runs", "int", 3, min=1, max=20, help="best of this many runs for each probe"),
    Param("target_ms", "float", 40.0, min=1.0, max=2000.0, help="how long one compute run lasts"),
    _cl.device_param(),
]
QUICK = {"size_mb": 8, "runs": 2, "target_ms": 10.0}
FLOP_PER_ITEM_ITER = 4 * 8 * 2  # 4 chains of float8, 2 FLOP per fma


def run(ctx, size_mb, runs, target_ms, device):
    s = _cl.setup(ctx, device, "roofline.cl")
    tl = _cl.Timeline()
    t0 = _cl.timer()
    with ctx.timed("work"):
        gbps = bandwidth(s, tl, size_mb, runs)
        ctx.progress(1, 2)
        gflops, shape = compute(s, tl, runs, target_ms)
        ctx.progress(2, 2)
    out = _cl.report(s.device, tl, _cl.timer() - t0)
    out.update(
        gbps_peak=round(gbps, 3), gflops_peak=round(gflops, 3), compute_shape=shape, build=s.build
    )
    out["summary"] = (
        f"{out['device']['name']}: memory {gbps:.1f} GB/s, compute {gflops:.1f} GFLOP/s "
        f"(ridge at {gflops / gbps:.2f} FLOP/byte)"
    )
    return out


def bandwidth(s, tl, size_mb, runs):
    import pyopencl as cl

    n = max(1, min(size_mb << 20, s.device.max_mem_alloc_size) // 16)  # float4 elements
    bufs = [cl.Buffer(s.ctx, cl.mem_flags.READ_WRITE, n * 16) for _ in range(3)]
    for buf in bufs[1:]:
        tl.add("h2d", "fill", cl.enqueue_fill_buffer(s.queue, buf, np.float32(1), 0, n * 16))
    kernel = s.program.kernel("triad")
    best = 0.0
    for _ in range(runs + 1):  # the first run also pays for first-touch page faults
        event = kernel(s.queue, (n,), None, *bufs, np.float32(3))
        event.wait()
        tl.add("kernel", "triad", event)
        best = max(best, 3 * n * 16 / (event.profile.end - event.profile.start))
    return best  # bytes per ns = GB/s


def compute(s, tl, runs, target_ms):
    import pyopencl as cl

    items = s.device.max_compute_units * (2048 if _cl.type_name(s.device.type) == "GPU" else 256)
    local = min(64, s.device.max_work_group_size)
    items = -(-items // local) * local
    out = cl.Buffer(s.ctx, cl.mem_flags.WRITE_ONLY, items * 4)
    kernel = s.program.kernel("fma_peak")
    iters, best = 64, 0.0
    for _ in range(runs + 4):
        event = kernel(s.queue, (items,), (local,), out, np.int32(iters), np.float32(0.999))
        event.wait()
        tl.add("kernel", f"fma x{iters}", event)
        ns = max(1, event.profile.end - event.profile.start)
        best = max(best, items * iters * FLOP_PER_ITEM_ITER / ns)
        if ns < 0.5 * target_ms * 1e6:  # too short to time well: scale up and go again
            iters = int(min(iters * target_ms * 1e6 / ns, 2**30))
    return best, {"work_items": items, "local_size": local, "iterations": iters}  # FLOP per ns


if __name__ == "__main__":
    main(__name__)
