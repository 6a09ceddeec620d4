"""Two threads take two locks in opposite orders and both wait forever."""

import threading
import time

left, right = threading.Lock(), threading.Lock()


def worker(first, second):
    with first:
        time.sleep(0.05)
        with second:
            pass


threads = [
    threading.Thread(target=worker, args=(left, right)),
    threading.Thread(target=worker, args=(right, left)),
]
for t in threads:
    t.start()
for t in threads:
    t.join()
