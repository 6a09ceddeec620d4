"""Ping-pong over a pipe with a spawned child, then a large object that fills the pipe while
the receiver is still asleep: the sender waits on a full pipe, the receiver will read it."""

import multiprocessing as mp
import time


def child(conn):
    for _ in range(3):
        conn.send(conn.recv() + 1)
    time.sleep(0.8)  # the parent is stuck in send() meanwhile: slow, not dead
    big = conn.recv()
    conn.send(len(big))


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    mine, theirs = ctx.Pipe()
    p = ctx.Process(target=child, args=(theirs,))
    p.start()
    n = 0
    for _ in range(3):
        mine.send(n)
        n = mine.recv()
    mine.send(b"x" * 4_000_000)
    assert mine.recv() == 4_000_000 and n == 3
    p.join()
    assert p.exitcode == 0
