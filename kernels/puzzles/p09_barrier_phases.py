"""Barrier phases: a writer publishes a value per round, a reader reads it after the barrier.

Make the reader see the value of the wrong round: after both pass the barrier, the writer is free
to run ahead and overwrite the value before the reader reads it.
"""

import threading

GOAL = "assertion"
HINT = "After the first barrier, run the writer on to its next write before the reader reads."

value = 0
barrier = threading.Barrier(2)
done = threading.Barrier(2)


def writer(fixed):
    global value
    for round_ in (1, 2):
        value = round_
        barrier.wait()
        if fixed:
            done.wait()  # the fix: wait until the reader has read


def reader(fixed):
    for round_ in (1, 2):
        barrier.wait()
        seen = value
        assert seen == round_, f"round {round_} read {seen}"
        if fixed:
            done.wait()


def main(fixed=False):
    threads = [
        threading.Thread(target=writer, args=(fixed,), name="writer"),
        threading.Thread(target=reader, args=(fixed,), name="reader"),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
    print("rounds agreed")
