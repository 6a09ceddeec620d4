"""Wait with ``if``: two consumers, one item; make a consumer take from an empty list.

A consumer waits on the condition when the list is empty, but checks only once (``if``). Between
the producer's notify and the woken consumer getting the lock back, the other consumer can take
the item.
"""

import threading

GOAL = "exception"
HINT = "Let consumer 1 wait, then the producer add and notify, then consumer 2 take the item."

items = []
cond = threading.Condition()


def consumer(fixed):
    with cond:
        if fixed:
            while not items:  # the fix: check again after every wake-up
                cond.wait()
        elif not items:
            cond.wait()
        items.pop()


def producer():
    for _ in range(2):
        with cond:
            items.append("item")
            cond.notify()


def main(fixed=False):
    threads = [threading.Thread(target=consumer, args=(fixed,), name=f"C{i}") for i in (1, 2)]
    threads.append(threading.Thread(target=producer, name="P"))
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
    print("left:", items)
