"""A first child works and exits; then the parent joins a second child that waits for an
event nobody sets: the deadlock forms after a process of the run is gone."""

import multiprocessing as mp


def work(n):
    sum(i * i for i in range(n))


def wait_for(event):
    event.wait()


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    first = ctx.Process(target=work, args=(3_000_000,))
    first.start()
    first.join()
    event = ctx.Event()
    second = ctx.Process(target=wait_for, args=(event,))
    second.start()
    second.join()
