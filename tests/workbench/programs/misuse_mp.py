"""A multiprocessing Condition waited on without its lock (multiprocessing raises
AssertionError), in a forked child."""

import multiprocessing as mp


def child(cond):
    try:
        cond.wait(0.1)
    except AssertionError:
        print("refused, as it should be")


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    cond = ctx.Condition()
    p = ctx.Process(target=child, args=(cond,))
    p.start()
    p.join()
