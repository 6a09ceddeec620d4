"""An Event is not a counter: two items signalled, one consumer; make the consumer wait forever.

The producer sets the event once per item; the consumer waits, clears it and takes one item. Two
sets before one clear count as one.
"""

import threading

GOAL = "deadlock"
HINT = "Let the producer set the event twice before the consumer clears it."

taken = []
signal = None


def producer(fixed):
    for _ in (1, 2):
        if fixed:
            signal.release()
        else:
            signal.set()


def consumer(fixed):
    for _ in range(2):
        if fixed:
            signal.acquire()  # the fix: a semaphore counts every signal
        else:
            signal.wait()
            signal.clear()
        taken.append(1)


def main(fixed=False):
    global signal
    signal = threading.Semaphore(0) if fixed else threading.Event()
    threads = [
        threading.Thread(target=producer, args=(fixed,), name="producer"),
        threading.Thread(target=consumer, args=(fixed,), name="consumer"),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
    print("taken:", len(taken))
