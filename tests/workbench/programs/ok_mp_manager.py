"""Manager primitives used correctly: workers count under a Manager lock, hand items over a
Manager queue, and wait for an event the parent sets; appends to a shared list."""

import multiprocessing as mp


def work(lock, counts, q, go, seen):
    go.wait()
    for _ in range(5):
        with lock:
            counts["n"] = counts.get("n", 0) + 1
    q.put(mp.current_process().name)
    seen.append(1)


if __name__ == "__main__":
    with mp.Manager() as manager:
        lock, counts, q = manager.Lock(), manager.dict(), manager.Queue()
        go, seen = manager.Event(), manager.list()
        ps = [mp.Process(target=work, args=(lock, counts, q, go, seen)) for _ in range(2)]
        for p in ps:
            p.start()
        go.set()
        names = {q.get(), q.get()}
        for p in ps:
            p.join()
        assert counts["n"] == 10 and len(names) == 2 and len(seen) == 2
