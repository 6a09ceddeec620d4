"""The main thread polls join() with a timeout while the workers are stuck for good."""

import threading

a, b = threading.Lock(), threading.Lock()
a.acquire()
b.acquire()


def stuck(lock):
    lock.acquire()


threads = [threading.Thread(target=stuck, args=(lock,), daemon=True) for lock in (a, b)]
for t in threads:
    t.start()
while any(t.is_alive() for t in threads):
    for t in threads:
        t.join(0.05)
