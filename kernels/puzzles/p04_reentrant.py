"""Re-entry: a helper takes the lock its caller already holds; make a thread deadlock itself.

Thread A holds the account lock and calls ``audit()`` only when thread B has flagged the account.
``audit()`` takes the same lock again. A plain Lock is not re-entrant: its own owner waits for it.
"""

import threading

GOAL = "deadlock"
HINT = "Let B raise the flag before A looks at it."

flagged = False
lock = None


def audit():
    with lock:
        pass


def owner():
    with lock:
        if flagged:
            audit()


def flagger():
    global flagged
    with lock:
        flagged = True


def main(fixed=False):
    global lock
    lock = threading.RLock() if fixed else threading.Lock()  # the fix: a re-entrant lock
    threads = [threading.Thread(target=owner, name="A"), threading.Thread(target=flagger, name="B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
    print("flagged:", flagged)
