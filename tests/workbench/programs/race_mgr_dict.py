"""Two processes bump one item of a Manager dict: two round trips each, no lock between."""

import multiprocessing as mp


def bump(shared, log):
    for _ in range(20):
        shared["n"] += 1
        log.append(1)  # one call, done whole inside the server: not a race


if __name__ == "__main__":
    with mp.Manager() as manager:
        shared, log = manager.dict(n=0), manager.list()
        ps = [mp.Process(target=bump, args=(shared, log)) for _ in range(2)]
        for p in ps:
            p.start()
        for p in ps:
            p.join()
        print("counted", shared["n"], "of 40")
