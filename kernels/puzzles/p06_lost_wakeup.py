"""Lost wake-up: the waiter checks a flag without the lock; make it wait for ever.

The waiter looks at ``ready`` and then waits on the condition. If the notifier sets the flag and
notifies between the look and the wait, nobody will ever notify again.
"""

import threading

GOAL = "deadlock"
HINT = "Let the waiter see ready == False, then run the notifier to the end, then the waiter."

ready = False
cond = threading.Condition()


def waiter(fixed):
    if fixed:
        with cond:
            while not ready:  # the fix: check and wait under the same lock
                cond.wait()
        return
    if not ready:
        with cond:
            cond.wait()


def notifier():
    global ready
    with cond:
        ready = True
        cond.notify_all()


def main(fixed=False):
    threads = [
        threading.Thread(target=waiter, args=(fixed,), name="waiter"),
        threading.Thread(target=notifier, name="notifier"),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
    print("woken")
