"""The parent joins a forked child that waits for a queue item the parent puts only after."""

import multiprocessing as mp


def consume(q):
    print("got", q.get())


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=consume, args=(q,))
    p.start()
    p.join()
    q.put("too late")
