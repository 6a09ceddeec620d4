"""Lazy initialisation: create the shared connection only once; make two threads create it."""

import threading

GOAL = "assertion"
HINT = "Let both threads see 'connection is None' before either takes the lock."

connection = None
created = 0
lock = threading.Lock()


def connect(fixed):
    global connection, created
    if connection is None:
        with lock:
            if fixed and connection is not None:  # the fix: check again under the lock
                return
            connection = object()
            created += 1


def main(fixed=False):
    threads = [threading.Thread(target=connect, args=(fixed,), name=n) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert created == 1, f"{created} connections were created"


if __name__ == "__main__":
    main()
    print("created:", created)
