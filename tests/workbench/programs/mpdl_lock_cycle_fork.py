"""The parent holds one multiprocessing lock and a forked child the other; each then takes
the other's (the child tells the parent over a pipe that it holds its lock)."""

import multiprocessing as mp


def child(a, b, conn):
    with b:
        conn.send("holding b")
        conn.recv()
        with a:
            pass


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    a, b = ctx.Lock(), ctx.Lock()
    mine, theirs = ctx.Pipe()
    p = ctx.Process(target=child, args=(a, b, theirs))
    with a:
        p.start()
        mine.recv()
        mine.send("go")
        with b:
            pass
    p.join()
