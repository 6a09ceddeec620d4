"""Shared state handed over correctly across processes: a Value bumped under its lock, an
Array and a Manager Namespace written before a child starts or before a pipe message, read
after; each child writes only its own slot; forked copies of a global are each process's own."""

import multiprocessing as mp

total = 0


def child(i, counter, arr, ns, conn):
    global total
    for _ in range(20):
        with counter.get_lock():
            counter.value += 1
    total += arr[0] + ns.x  # written by the parent before this process started
    arr[1 + i] = total
    setattr(ns, f"got{i}", conn.recv() + ns.z)  # the parent wrote ns.z before it sent


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    counter, arr = ctx.Value("i", 0), ctx.Array("i", [5, 0, 0])
    with ctx.Manager() as manager:
        ns = manager.Namespace()
        ns.x = 1
        pipes = [ctx.Pipe() for _ in range(2)]
        ps = [ctx.Process(target=child, args=(i, counter, arr, ns, pipes[i][1])) for i in range(2)]
        for p in ps:
            p.start()
        ns.z = 10
        for mine, _ in pipes:
            total += 1  # the parent's own copy
            mine.send(total)
        for p in ps:
            p.join()
        assert counter.value == 40 and arr[1] == arr[2] == 6, (counter.value, arr[:])
        assert (ns.got0, ns.got1) == (11, 12)
