"""The parent joins a child that waits for an event nobody will set."""

import multiprocessing as mp


def wait_for(event):
    event.wait()


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    ready = ctx.Event()
    p = ctx.Process(target=wait_for, args=(ready,))
    p.start()
    p.join()  # ready.set() was forgotten
    ready.set()
