"""The pitfall the multiprocessing docs warn of: joining a child before taking what it put on
a queue. The item is too big for the pipe, so the child's feeder thread cannot finish writing,
the child cannot exit before its feeder is done, and the parent waits for the child."""

import multiprocessing as mp


def child(q):
    q.put(b"x" * 1_000_000)


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=child, args=(q,))
    p.start()
    p.join()  # take q.get() first
    q.get()
