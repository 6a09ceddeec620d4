"""An attribute and a dict item updated by two threads with no lock in common."""

import threading


class Account:
    def __init__(self):
        self.balance = 0


account = Account()
totals = {"sum": 0}
lock_a, lock_b = threading.Lock(), threading.Lock()


def deposit(lock):
    acct = account
    for _ in range(50):
        with lock:  # each thread has its own lock: no mutual exclusion at all
            acct.balance += 1
            totals["sum"] += 1


threads = [threading.Thread(target=deposit, args=(lk,)) for lk in (lock_a, lock_b)]
for t in threads:
    t.start()
for t in threads:
    t.join()
