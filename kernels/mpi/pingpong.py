"""Ping-pong: latency and bandwidth between two ranks, over message sizes.

Rank 0 sends a message to rank 1, which sends it straight back; half the round trip is the
one-way time. Small messages measure *latency* (the fixed cost of a message), large ones
*bandwidth* (bytes per second once it flows). ``payload=buffer`` sends NumPy memory as it is
(``Send``/``Recv``); ``payload=pickle`` sends the same bytes as a Python object, which is
pickled and unpickled each way — the price of convenience.
"""

import time

import numpy as np

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Ping-pong: latency and bandwidth"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.11 (communication modes), E2-4.03"
SHOWS_BUG = False
LESSON = (
    "The table gives, per message size, the one-way time and the bandwidth. Up to a few KiB "
    "the time hardly changes: that is latency. For large messages time grows with size and "
    "the bandwidth levels off. Compare payload=buffer with payload=pickle: pickling costs "
    "little for small messages and a lot of bandwidth for large ones. On one machine this is "
    "shared memory; between hosts it is the network."
)
PARAMS = [
    ranks(2, lo=2),
    Param("payload", "choice", "buffer", choices=("buffer", "pickle"), help="Send or send"),
    Param("max_size", "int", 1 << 20, min=1, max=64 << 20, help="largest message, bytes"),
    Param("repeats", "int", 200, min=1, max=100_000, help="round trips per size"),
]
QUICK = {"workers": 2, "max_size": 4096, "repeats": 20}


def sizes(max_size):
    out, s = [], 1
    while s <= max_size:
        out.append(s)
        s *= 8
    return out if out[-1] == max_size else [*out, max_size]


def round_trips(comm, payload, size, repeats):
    """``repeats`` round trips between ranks 0 and 1; seconds per one-way message on rank 0."""
    rank = comm.Get_rank()
    buf = np.zeros(size, dtype=np.uint8)
    comm.Barrier()
    t0 = time.perf_counter()
    for _ in range(repeats):
        if rank == 0:
            if payload == "buffer":
                comm.Send(buf, dest=1, tag=0)
                comm.Recv(buf, source=1, tag=0)
            else:
                comm.send(buf, dest=1, tag=0)
                buf = comm.recv(source=1, tag=0)
        elif rank == 1:
            if payload == "buffer":
                comm.Recv(buf, source=0, tag=0)
                comm.Send(buf, dest=0, tag=0)
            else:
                buf = comm.recv(source=0, tag=0)
                comm.send(buf, dest=0, tag=0)
    return (time.perf_counter() - t0) / (2 * repeats)


def run(ctx, workers, payload, max_size, repeats):
    _, comm = world()
    rows = []
    plan = sizes(max_size)
    with ctx.timed("work"):
        for i, size in enumerate(plan):
            one_way = round_trips(comm, payload, size, repeats)
            rows.append(
                {
                    "bytes": size,
                    "one_way_us": round(one_way * 1e6, 3),
                    "MB_per_s": round(size / one_way / 1e6, 2),
                }
            )
            ctx.progress(i + 1, len(plan))
    if comm.Get_rank() != 0:
        return None
    return {
        "payload": payload,
        "latency_us": rows[0]["one_way_us"],
        "bandwidth_MB_s": rows[-1]["MB_per_s"],
        "table": rows,
        "series": {
            "one-way µs": {"t": [r["bytes"] for r in rows], "v": [r["one_way_us"] for r in rows]}
        },
        "summary": f"{payload}: {rows[0]['one_way_us']} µs for {rows[0]['bytes']} B, "
        f"{rows[-1]['MB_per_s']} MB/s at {rows[-1]['bytes']} B",
    }


if __name__ == "__main__":
    main(__name__)
