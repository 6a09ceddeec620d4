"""A correct bounded buffer: Condition with while, two consumers, consistent lock use."""

import threading

cond = threading.Condition()
buffer, done, taken = [], [False], []


def producer():
    for i in range(50):
        with cond:
            while len(buffer) >= 5:
                cond.wait()
            buffer.append(i)
            cond.notify_all()
    with cond:
        done[0] = True
        cond.notify_all()


def consumer():
    while True:
        with cond:
            while not buffer and not done[0]:
                cond.wait()
            if not buffer:
                return
            taken.append(buffer.pop(0))
            cond.notify_all()


threads = [threading.Thread(target=producer)] + [
    threading.Thread(target=consumer) for _ in range(2)
]
for t in threads:
    t.start()
for t in threads:
    t.join()
assert sorted(taken) == list(range(50))
