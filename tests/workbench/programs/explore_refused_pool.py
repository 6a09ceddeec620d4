"""A correct program the explorer cannot control: a thread pool runs real threads."""

from concurrent.futures import ThreadPoolExecutor

with ThreadPoolExecutor(2) as pool:  # refused here
    assert sum(pool.map(abs, [-1, 2])) == 3
