"""Two processes take two Manager locks in opposite orders, at the same time."""

import multiprocessing as mp


def take(first, second, barrier):
    with first:
        barrier.wait()
        with second:
            pass


if __name__ == "__main__":
    with mp.Manager() as manager:
        a, b, barrier = manager.Lock(), manager.Lock(), manager.Barrier(2)
        ps = [mp.Process(target=take, args=(x, y, barrier)) for x, y in ((a, b), (b, a))]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
