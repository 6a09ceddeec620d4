"""Lost update: two threads add 1 to a shared counter; make it end at 1 instead of 2.

``counter += 1`` is three steps in bytecode: load the counter, add one, store it back. Explore at
``opcode`` (or ``line``) granularity: at ``sync`` nothing can switch inside it.
"""

import threading

GOAL = "assertion"
GRANULARITY = "opcode"
HINT = "Let thread A load the counter, then switch to B before A stores it back."

counter = 0
lock = threading.Lock()


def worker(fixed):
    global counter
    if fixed:
        with lock:
            counter += 1
    else:
        counter += 1


def main(fixed=False):
    threads = [threading.Thread(target=worker, args=(fixed,), name=n) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter == 2, f"lost update: counter is {counter}, not 2"


if __name__ == "__main__":
    main()
    print("counter:", counter)
