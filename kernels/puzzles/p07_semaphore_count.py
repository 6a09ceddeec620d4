"""Semaphore count: a section meant for one thread at a time; get two threads inside it."""

import threading

from kernels.puzzles.goal import Critical

GOAL = "critical"
GRANULARITY = "line"
HINT = "A Semaphore(2) lets two threads acquire before anyone releases."

critical = Critical("the printer")
gate = None


def job():
    gate.acquire()
    with critical:
        pass
    gate.release()


def main(fixed=False):
    global gate
    gate = threading.Semaphore(1 if fixed else 2)  # the fix: one permit
    threads = [threading.Thread(target=job, name=n) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
    print("printed")
