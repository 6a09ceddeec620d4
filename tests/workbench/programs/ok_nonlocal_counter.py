import threading


class Obj:
    pass


def main():
    count = 0

    def worker():
        nonlocal count
        for _ in range(20000):
            with lock:
                count += 1

    lock = threading.Lock()
    ts = [threading.Thread(target=worker) for _ in range(4)]
    for t in ts:
        t.start()
    o = Obj()
    for i in range(200000):
        o.x = i  # a traced access in this frame while the workers update `count`
    for t in ts:
        t.join()
    print("count", count, "expected", 80000)
    assert count == 80000


main()
