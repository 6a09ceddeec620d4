"""``import workbench`` (and the CLI's modules) in a fresh interpreter vs a bare ``python -c pass``.

Also checks that no Qt, pyopencl or mpi4py module is loaded. Target: < 150 ms for
``import workbench``, measured as the difference to the bare interpreter start.
"""

import subprocess
import sys
import time

from _common import median, table

HEAVY = ("PySide6", "pyqtgraph", "pyopencl", "mpi4py")


def timed(code, n=10):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        times.append(time.perf_counter() - t0)
    return median(times), out.stdout


if __name__ == "__main__":
    base, _ = timed("pass")
    rows = []
    for module in ("workbench", "workbench.cli"):
        code = f"import sys, {module}; print([m for m in {HEAVY!r} if m in sys.modules])"
        t, loaded = timed(code)
        rows.append((f"import {module} (s, incl. start)", t, base, t / base))
        print(f"{module}: heavy modules loaded: {loaded.strip()}; import cost {t - base:.4f} s")
    table("import time vs bare interpreter start", rows, "import workbench < 0.150 s")
