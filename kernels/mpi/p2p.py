"""Point-to-point: one rank sends, one receives — a Python object, or a raw buffer.

``comm.send(obj, dest)`` pickles any Python object; ``comm.recv(source)`` unpickles it.
``comm.Send(array, dest)`` (capital S) ships the array's memory as it is, with no pickling, into
a buffer the receiver allocated: faster for large numeric data, but both sides must agree on
the size and type. The book's version needs 9 ranks (0 → 4 and 1 → 8); here every even rank
sends to the next odd one, so any even rank count works.
"""

import numpy as np

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Point-to-point: send and receive"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.11, E2-4.03"
SHOWS_BUG = False
LESSON = (
    "Even ranks send, odd ranks receive from the rank before them. With payload=object the "
    "message is pickled (any Python value); with payload=buffer a NumPy array travels as raw "
    "bytes into a buffer the receiver made beforehand. Trace it to see one arrow per message "
    "with its size. The receive blocks until the message is there: a receiver with no sender "
    "would wait forever."
)
PARAMS = [
    ranks(4, lo=2),
    Param("payload", "choice", "object", choices=("object", "buffer"), help="what travels"),
    Param("items", "int", 1000, min=1, max=10_000_000, help="numbers in each message"),
]
QUICK = {"workers": 2, "items": 100}


def requirements(workers, **_):
    if workers % 2:
        return f"needs an even number of ranks (pairs of sender and receiver), not {workers}"
    return None


def run(ctx, workers, payload, items):
    _, comm = world()
    rank = comm.Get_rank()
    data = np.arange(items, dtype=np.float64) * (rank + 1)
    got = None
    if rank % 2 == 0:
        if payload == "object":
            comm.send({"from": rank, "values": data.tolist()}, dest=rank + 1, tag=7)
        else:
            comm.Send(data, dest=rank + 1, tag=7)
    else:
        if payload == "object":
            got = comm.recv(source=rank - 1, tag=7)["values"]
        else:
            got = np.empty(items, dtype=np.float64)
            comm.Recv(got, source=rank - 1, tag=7)
        got = {"rank": rank, "from": rank - 1, "first": float(got[0]), "last": float(got[-1])}
    rows = comm.gather(got, root=0)
    if rank != 0:
        return None
    table = [r for r in rows if r]
    return {
        "payload": payload,
        "messages": len(table),
        "bytes_each": items * 8,
        "table": table,
        "summary": f"{len(table)} {payload} messages of {items} numbers, each received whole",
    }


if __name__ == "__main__":
    main(__name__)
