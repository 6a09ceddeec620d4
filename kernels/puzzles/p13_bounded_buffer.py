"""Bounded buffer: a mutex and two counting semaphores; make producer and consumer deadlock.

The consumer takes the mutex first and then waits for an item, holding the mutex the producer
needs to put one. Waiting for a slot or an item must come before taking the mutex.
"""

import threading

GOAL = "deadlock"
HINT = "Let the consumer take the mutex while the buffer is empty."

buffer = []
mutex = threading.Lock()
items = threading.Semaphore(0)
slots = threading.BoundedSemaphore(1)


def producer():
    for n in (1, 2):
        slots.acquire()
        with mutex:
            buffer.append(n)
        items.release()


def consumer(fixed):
    for _ in (1, 2):
        if fixed:
            items.acquire()  # the fix: wait for an item before taking the mutex
            with mutex:
                buffer.pop(0)
        else:
            with mutex:
                items.acquire()
                buffer.pop(0)
        slots.release()


def main(fixed=False):
    threads = [
        threading.Thread(target=producer, name="producer"),
        threading.Thread(target=consumer, args=(fixed,), name="consumer"),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
    print("buffer:", buffer)
