"""Waits with timeouts everywhere, and a stuck child ended on purpose: a program that only
waits with timeouts is never deadlocked, whatever it waits on."""

import multiprocessing as mp
import queue


def stuck(event):
    event.wait()  # nobody sets it: the parent terminates this child


def poller(conn, lock, q):
    while not conn.poll(0.2):
        pass
    with lock:
        q.put(conn.recv())


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    event, lock, q = ctx.Event(), ctx.Lock(), ctx.Queue()
    mine, theirs = ctx.Pipe()
    a = ctx.Process(target=stuck, args=(event,))
    b = ctx.Process(target=poller, args=(theirs, lock, q))
    a.start()
    b.start()
    a.join(0.6)
    a.terminate()  # gave up on it
    a.join()
    got = None
    while got is None:
        try:
            got = q.get(timeout=0.2)
        except queue.Empty:
            if lock.acquire(timeout=0.2):
                lock.release()
            mine.send("hello")
    b.join()
    assert got == "hello" and a.exitcode != 0 and b.exitcode == 0
