"""Lock-order inversion that happens not to deadlock: the threads do not overlap."""

import threading
import time

a, b = threading.Lock(), threading.Lock()


def one():
    with a, b:
        pass


def two():
    time.sleep(0.1)
    with b, a:
        pass


ts = [threading.Thread(target=one), threading.Thread(target=two)]
for t in ts:
    t.start()
for t in ts:
    t.join()
