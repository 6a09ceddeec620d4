"""Two processes bump a shared Value without taking its lock: each read and each write is
locked alone, the increment is not — updates are lost."""

import multiprocessing as mp


def bump(counter):
    for _ in range(50):
        counter.value += 1


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    counter = ctx.Value("i", 0)
    ps = [ctx.Process(target=bump, args=(counter,)) for _ in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    print("counted", counter.value, "of 100")
