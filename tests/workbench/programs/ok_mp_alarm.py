"""Everybody waits — the child for an event, the parent for the child's answer — until the
parent's SIGALRM handler sets the event: an armed alarm is a way out, not a deadlock."""

import multiprocessing as mp
import signal


def child(event, q):
    event.wait()
    q.put("woken")


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    event, q = ctx.Event(), ctx.Queue()
    signal.signal(signal.SIGALRM, lambda *_: event.set())
    p = ctx.Process(target=child, args=(event, q))
    p.start()
    signal.alarm(1)
    assert q.get() == "woken"
    p.join()
