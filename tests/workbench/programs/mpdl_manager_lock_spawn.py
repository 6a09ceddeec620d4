"""Two spawned processes take two Manager locks (of a spawned Manager) in opposite orders."""

import multiprocessing as mp


def take(first, second, barrier):
    with first:
        barrier.wait()
        with second:
            pass


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    with ctx.Manager() as manager:
        a, b, barrier = manager.Lock(), manager.Lock(), manager.Barrier(2)
        ps = [ctx.Process(target=take, args=(x, y, barrier)) for x, y in ((a, b), (b, a))]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
