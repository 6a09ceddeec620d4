"""Avoiding deadlock: two ranks swap a message, and the order of send and receive decides.

- ``recv-first``: both receive first; neither ever sends. A deadlock, at every size.
- ``send-first``: both send first. A standard send may return as soon as the message is copied
  out (*eager* protocol, small messages) or wait until the receiver posts its receive
  (*rendezvous*, large messages). So it completes below the library's eager limit and hangs
  above it: the book's "fixed" version only works because its messages are small.
  **[measured, MPICH 5.0.2 wheel, 2 ranks on one host]** 8112 B completes, 8113 B hangs
  (``probe=true`` measures it on your machine).
- ``mixed``: one sends first, the other receives first. Always fine.
- ``sendrecv``: ``Sendrecv`` does both at once; MPI pairs them. Always fine.
- ``nonblocking``: ``Isend`` + ``Irecv`` then wait for both. Always fine.

``mode=synchronous`` uses ``Ssend``, which never returns before the receive is posted: with
``send-first`` it hangs at every size, which is how to find such a bug with small test data.
A hang here is a real hang: the run is ended by the deadlock watch (traced) or the timeout.
"""

import numpy as np

from kernels.mpi._common import main, ranks, world
from kernels.recipe import Param

TITLE = "Avoiding deadlock: send/receive order and the eager limit"
CHAPTER = "3. Process-based parallelism (MPI)"
BOOK = "E1-3.12, E2-4.04"
SHOWS_BUG = True
ORDERS = ("recv-first", "send-first", "mixed", "sendrecv", "nonblocking")
LESSON = (
    "Ranks 0 and 1 swap a message of `size` bytes. recv-first always deadlocks. send-first "
    "completes for small messages and hangs for large ones: MPICH copies messages up to its "
    "eager limit (8112 B measured here) and returns; above it Send waits for the matching receive, "
    "and both ranks are sending. Try size=8112 then size=8113. mode=synchronous (Ssend) hangs "
    "at every size. mixed, sendrecv and nonblocking always complete. Run traced: the deadlock "
    "finding names each rank's blocked call, peer, tag, size and line. probe=true measures the "
    "eager limit instead (send-first over growing sizes, each in a fresh pair of calls)."
)
PARAMS = [
    ranks(2, lo=2),
    Param("order", "choice", "send-first", choices=ORDERS, help="who sends and who receives first"),
    Param("mode", "choice", "standard", choices=("standard", "synchronous"), help="Send or Ssend"),
    Param("size", "int", 1024, min=1, max=64 << 20, help="message bytes"),
    Param("probe", "bool", False, help="measure the eager limit: largest send that returns alone"),
]
QUICK = {"workers": 2, "size": 64}


def exchange(comm, order, mode, size):
    """Ranks 0 and 1 swap `size` bytes in the given order; other ranks do nothing."""
    rank = comm.Get_rank()
    if rank > 1:
        return
    other = 1 - rank
    out = np.full(size, rank, dtype=np.uint8)
    got = np.empty(size, dtype=np.uint8)
    send = comm.Ssend if mode == "synchronous" else comm.Send
    if order == "recv-first":
        comm.Recv(got, source=other, tag=1)
        send(out, dest=other, tag=1)
    elif order == "send-first":
        send(out, dest=other, tag=1)
        comm.Recv(got, source=other, tag=1)
    elif order == "mixed":
        if rank == 0:
            send(out, dest=other, tag=1)
            comm.Recv(got, source=other, tag=1)
        else:
            comm.Recv(got, source=other, tag=1)
            send(out, dest=other, tag=1)
    elif order == "sendrecv":
        comm.Sendrecv(out, dest=other, sendtag=1, recvbuf=got, source=other, recvtag=1)
    else:
        requests = [comm.Irecv(got, source=other, tag=1), comm.Isend(out, dest=other, tag=1)]
        for request in requests:
            request.Wait()
    assert got[0] == other


def eager_limit(comm):
    """The largest standard Send that returns before its receive is posted (bisection).

    Rank 0 sends to rank 1, which posts its receive only after a signal that rank 0 sends
    once its Send returned — or after a pause, if the Send is still blocked."""
    import time

    rank = comm.Get_rank()
    lo, hi, tries = 1, 1 << 20, []
    while lo < hi:
        size = (lo + hi + 1) // 2
        data = np.zeros(size, dtype=np.uint8)
        if rank == 0:
            request = comm.Isend(data, dest=1, tag=2)  # Isend + Test: a Send that cannot hang
            t0 = time.perf_counter()
            done = False
            while not done and time.perf_counter() - t0 < 0.05:
                done = request.Test()
            comm.send(done, dest=1, tag=3)
            request.Wait()
        elif rank == 1:
            done = comm.recv(source=0, tag=3)
            comm.Recv(data, source=0, tag=2)
        done = comm.bcast(done if rank == 0 else None, root=0)
        tries.append({"size": size, "returned alone": done})
        lo, hi = (size, hi) if done else (lo, size - 1)
    return lo, tries


def run(ctx, workers, order, mode, size, probe):
    _, comm = world()
    if probe:
        limit, tries = eager_limit(comm)
        if comm.Get_rank() != 0:
            return None
        return {
            "eager_limit_bytes": limit,
            "table": tries,
            "summary": f"standard sends up to {limit} B return before the receive is posted",
        }
    ctx.partial(order=order, mode=mode, size=size, state="exchanging (a hang is a deadlock)")
    exchange(comm, order, mode, size)
    comm.Barrier()
    if comm.Get_rank() != 0:
        return None
    return {
        "order": order,
        "mode": mode,
        "size": size,
        "completed": True,
        "summary": f"{order} with {mode} sends of {size} B completed",
    }


if __name__ == "__main__":
    main(__name__)
