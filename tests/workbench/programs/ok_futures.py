"""Correct concurrent.futures use: map, as_completed, callbacks and a nested submit to a pool
with room for it; the results are handed over through futures only."""

from concurrent.futures import ThreadPoolExecutor, as_completed, wait

results = []


def square(n):
    return n * n


def outer(pool, n):
    return pool.submit(square, n).result() + 1


with ThreadPoolExecutor(max_workers=4) as pool:
    assert list(pool.map(square, range(20))) == [n * n for n in range(20)]
    futures = [pool.submit(square, n) for n in range(10)]
    for f in futures:
        f.add_done_callback(lambda f: results.append(f.result()))
    assert sorted(f.result() for f in as_completed(futures)) == [n * n for n in range(10)]
    wait([pool.submit(outer, pool, 3) for _ in range(2)])
print(sorted(results))
