"""Two spawned processes take two multiprocessing locks in opposite orders, at the same time:
each holds one and waits for the other, across processes."""

import multiprocessing as mp


def take(first, second, barrier):
    with first:
        barrier.wait()  # both hold their first lock now
        with second:
            pass


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    a, b, barrier = ctx.Lock(), ctx.Lock(), ctx.Barrier(2)
    ps = [ctx.Process(target=take, args=(*pair, barrier)) for pair in ((a, b), (b, a))]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
