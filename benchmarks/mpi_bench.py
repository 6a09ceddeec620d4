"""What the workbench costs an MPI program: ping-pong through it vs bare, and tracing per call.

1. Ping-pong between 2 ranks, 8 B (latency) and 1 MiB (bandwidth): the ``mpi.pingpong``
   recipe run through the engine (mpiexec → run hosts, tracing off) against a bare mpi4py
   script doing the same Send/Recv loops (the same sizes in the same order) under the same
   mpiexec, alternated, medians of 3.
2. The traced communicator's cost per MPI call, in one job: the same loop with the real
   ``COMM_WORLD`` and with the traced one installed, (a) ``Send`` to ``PROC_NULL`` (returns at
   once, so only the wrapper is measured) and (b) 8 B ping-pong (4 traced calls lie on each
   round trip's critical path).
Targets: ping-pong ≤ 1.1x bare; traced overhead ≤ 2 µs per call.

Run: ``.venv/bin/python benchmarks/mpi_bench.py``. This script relaunches itself under mpiexec
with ``--bare`` or ``--traced`` for the bare side.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

from _common import median, table

from workbench import catalog, controller
from workbench.mpi_launch import default_mpiexec
from workbench.spec import RunSpec

ROOT = Path(__file__).resolve().parent.parent
REPEATS = {8: 5000, 1 << 20: 200}


def sizes(max_size):
    """The message sizes the recipe goes through, in its order (1, 8, 64, … max_size)."""
    out, s = [], 1
    while s <= max_size:
        out.append(s)
        s *= 8
    return out if out[-1] == max_size else [*out, max_size]


def bare_pingpong(size, repeats):
    """One-way seconds per message, on rank 0, with plain mpi4py (run under mpiexec)."""
    import numpy as np
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    rank, buf = comm.Get_rank(), np.zeros(size, dtype=np.uint8)
    comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(repeats):
        if rank == 0:
            comm.Send(buf, dest=1, tag=0)
            comm.Recv(buf, source=1, tag=0)
        else:
            comm.Recv(buf, source=0, tag=0)
            comm.Send(buf, dest=0, tag=0)
    return (time.perf_counter() - t0) / (2 * repeats)


def traced_costs(pingpong):
    """Per-call seconds with the real and with the traced COMM_WORLD: Send to PROC_NULL in a
    one-rank job (no other rank spinning on the 2 cores), or 8 B round trips on 2 ranks."""
    import numpy as np
    from mpi4py import MPI

    from workbench import mpi_comm
    from workbench.events import EventBuffer, Strings

    out = {}
    n = 100_000
    buf = np.zeros(8, dtype=np.uint8)
    for name in ("bare", "traced"):
        if name == "traced":
            mpi_comm.install(EventBuffer(Strings(), capacity=4 * n + 100_000))
        comm = MPI.COMM_WORLD
        if pingpong:
            out[f"{name}_pingpong_s"] = bare_pingpong(8, 5000) * 2  # round trip
        else:
            best = []
            for _ in range(5):
                t0, c0 = time.perf_counter(), time.thread_time()
                for _ in range(n // 5):
                    comm.Send(buf, dest=MPI.PROC_NULL, tag=0)
                best.append(((time.perf_counter() - t0) * 5 / n, (time.thread_time() - c0) * 5 / n))
            out[f"{name}_null_s"], out[f"{name}_null_cpu_s"] = min(best)
        if name == "traced":
            mpi_comm.uninstall()
    return out


def under_mpiexec(*args, ranks=2):
    cmd = [default_mpiexec(), "-n", str(ranks), sys.executable, __file__, *args]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def through_workbench(size):
    recipe = catalog.get("mpi.pingpong")
    params = catalog.resolve(
        recipe, {"workers": 2, "max_size": size, "repeats": REPEATS[size], "payload": "buffer"}
    )
    record = controller.run(RunSpec.make(recipe.id, params, timeout_s=300))
    row = next(r for r in record.result["table"] if r["bytes"] == size)
    return row["one_way_us"] / 1e6


def main():
    rows = []
    for size in REPEATS:
        ours, bare = [], []
        for _ in range(3):
            ours.append(through_workbench(size))
            bare.append(under_mpiexec("--bare", str(size))["one_way_s"])
        o, b = median(ours), median(bare)
        label = f"ping-pong {size} B one-way (µs)"
        rows.append((label, o * 1e6, b * 1e6, o / b))
    table("MPI ping-pong through the workbench vs bare mpi4py", rows, "ratio <= 1.1")
    costs = under_mpiexec("--traced", "null", ranks=1) | under_mpiexec("--traced", "pingpong")
    null = (costs["traced_null_s"] - costs["bare_null_s"]) * 1e6
    null_cpu = (costs["traced_null_cpu_s"] - costs["bare_null_cpu_s"]) * 1e6
    rt = (costs["traced_pingpong_s"] - costs["bare_pingpong_s"]) * 1e6 / 4
    table(
        "Traced communicator, per call (µs)",
        [
            ("Send to PROC_NULL, wall", costs["traced_null_s"] * 1e6, costs["bare_null_s"] * 1e6,
             costs["traced_null_s"] / costs["bare_null_s"]),
            ("Send to PROC_NULL, CPU", costs["traced_null_cpu_s"] * 1e6,
             costs["bare_null_cpu_s"] * 1e6,
             costs["traced_null_cpu_s"] / costs["bare_null_cpu_s"]),
            ("8 B round trip", costs["traced_pingpong_s"] * 1e6, costs["bare_pingpong_s"] * 1e6,
             costs["traced_pingpong_s"] / costs["bare_pingpong_s"]),
        ],
        "overhead <= 2 µs per call",
    )  # fmt: skip
    print(f"  overhead per call: {null:.2f} µs wall, {null_cpu:.2f} µs CPU (PROC_NULL, best of 5)")
    print(f"  {rt:.2f} µs per call from the 8 B round trip (4 traced calls per round trip)")


if __name__ == "__main__":
    if "--bare" in sys.argv:
        size = int(sys.argv[sys.argv.index("--bare") + 1])
        for smaller in [s for s in sizes(size) if s < size]:  # the recipe's order of sizes
            bare_pingpong(smaller, REPEATS[size])
        one_way = bare_pingpong(size, REPEATS[size])
        from mpi4py import MPI

        if MPI.COMM_WORLD.Get_rank() == 0:
            print(json.dumps({"one_way_s": one_way}))
    elif "--traced" in sys.argv:
        result = traced_costs(sys.argv[-1] == "pingpong")
        from mpi4py import MPI

        if MPI.COMM_WORLD.Get_rank() == 0:
            print(json.dumps(result))
    else:
        main()
