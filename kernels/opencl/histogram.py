"""A histogram with and without atomics: the read-modify-write race on a device.

One work-item per value adds 1 to its bin. ``counts[b] += 1`` reads the bin, adds and writes
back: when two work-items do that to the same bin at the same time, both write old + 1 and one
count is lost. ``atomic_inc`` makes the update one indivisible step, so the total is exact, at
the price of serialising work-items that hit the same bin.

How many counts are lost depends on how many work-items really run at once. A GPU runs
thousands and loses many. PoCL's CPU device runs one work-group per core and the items of a
group one after another, so it loses counts only while two cores update the same bins at the
same moment. [measured, 2 busy cores, 1M values, 16 bins] the plain ``+= 1`` lost nothing in
most runs and up to 20 % in a few; ``widen_window`` (a few dozen flops between the read and the
write, like the threads recipe's ``widen_window``) lost 5-8 % in every run; with one core
(``POCL_MAX_PTHREAD_COUNT=1``) nothing is ever lost. Hence several trials, the worst shown.
"""

import numpy as np

from kernels.opencl import _cl
from kernels.recipe import Param, main

TITLE = "Histogram: with and without atomics"
CHAPTER = _cl.CHAPTER
BOOK = "E1-6.10 (extra: the book's hazard, no code)"
SHOWS_BUG = True
LESSON = (
    "Work-items that update one shared counter race like threads do. Without atomics the "
    "histogram's total falls short of n: the per-bin chart shows where counts were lost. With "
    "atomics on, every bin matches numpy. On a CPU device the loss needs two cores updating the "
    "same bins at the same moment, so it varies from run to run (and vanishes on one core); "
    "widen_window makes each update longer and the race far more likely, without changing it."
)
PARAMS = [
    Param("n", "int", 1 << 21, min=1, max=1 << 28, help="values to count"),
    Param("bins", "int", 16, min=1, max=65536, help="histogram bins"),
    Param("atomics", "bool", False, help="update the bins with atomic_inc"),
    Param("widen_window", "bool", True, help="do some arithmetic between the read and the write"),
    Param("trials", "int", 3, min=1, max=100, help="kernel runs; the worst loss is shown"),
    _cl.device_param(),
]
QUICK = {"n": 1 << 20}


SPIN = 64  # flops between the read and the write with widen_window


def run(ctx, n, bins, atomics, widen_window, trials, device):
    import pyopencl as cl

    mf = cl.mem_flags
    s = _cl.setup(ctx, device, "histogram.cl")
    name = "histogram_atomic" if atomics else "histogram_racy"
    kernel = s.program.kernel(name)
    values = np.random.default_rng(0).integers(0, bins, n, dtype=np.uint32)
    expected = np.bincount(values, minlength=bins)
    zeros = np.zeros(bins, dtype=np.uint32)
    spin = np.int32(SPIN if widen_window else 0)
    tl = _cl.Timeline()
    lost, worst = [], None
    t0 = _cl.timer()
    with ctx.timed("work"):
        v_g = cl.Buffer(s.ctx, mf.READ_ONLY, values.nbytes)
        c_g = cl.Buffer(s.ctx, mf.READ_WRITE, zeros.nbytes)
        tl.add("h2d", "values", cl.enqueue_copy(s.queue, v_g, values))
        for trial in range(trials):
            counts = np.empty(bins, dtype=np.uint32)
            tl.add("h2d", "zero counts", cl.enqueue_copy(s.queue, c_g, zeros))
            tl.add("kernel", name, kernel(s.queue, (n,), None, v_g, c_g, np.uint32(n), spin))
            tl.add("d2h", "counts", cl.enqueue_copy(s.queue, counts, c_g))
            s.queue.finish()
            lost.append(int(n - counts.sum()))
            if worst is None or lost[-1] > n - worst.sum():
                worst = counts
            ctx.progress(trial + 1, trials)
    host_ns = _cl.timer() - t0
    per_bin = expected - worst.astype(np.int64)
    out = _cl.report(s.device, tl, host_ns, nbytes=trials * (values.nbytes + zeros.nbytes))
    out.update(
        atomics=atomics,
        widen_window=widen_window,
        expected_total=n,
        lost_per_trial=lost,
        lost=max(lost),
        counts=worst.tolist(),
        expected=expected.tolist(),
        check=_cl.check(worst, expected),
        series={"lost per bin": {"t": list(range(bins)), "v": per_bin.tolist()}},
        images={
            "lost": _cl.image(per_bin[None, :], "diverging", "counts lost per bin (worst trial)")
        },
        build=s.build,
    )
    how = ("atomic_inc" if atomics else "counts[b] += 1") + (" (widened)" if widen_window else "")
    out["summary"] = (
        f"{how}: lost {max(lost)} of {n} counts in the worst of {trials} trials "
        f"({', '.join(map(str, lost))})"
    )
    return out


if __name__ == "__main__":
    main(__name__)
