"""Three coroutines run as tasks on one loop: the total is the longest, not the sum.

Factorial, Fibonacci and a binomial coefficient are computed one step at a time, each step
awaiting ``asyncio.sleep(step_sleep)`` as if it waited for I/O. Wrapped in tasks and awaited
with ``asyncio.gather``, they interleave: while one sleeps, the loop runs another, so the whole
run takes about as long as the longest task. ``workers`` is how many of them may run at once
(an ``asyncio.Semaphore``): 1 queues them one after another and the total becomes the sum. The
book's binomial used float division; integer arithmetic here keeps the values exact.
"""

import asyncio
import math
import time

from kernels.recipe import Param, main

TITLE = "asyncio tasks: factorial, Fibonacci, binomial"
CHAPTER = "4. Asynchronous programming"
BOOK = "E1-4.04, E2-5.04"
SHOWS_BUG = False
LESSON = (
    "Each task sleeps once per step, and the progress lines of the three interleave. With "
    "workers 3 the total is close to the longest task, far below the sum of the three durations: "
    "the sleeps overlap on one thread. With workers 1 the tasks queue and the total equals the "
    "sum. Nothing here runs in parallel; the waiting does."
)
PARAMS = [
    Param("workers", "int", 3, min=1, max=64, help="tasks allowed to run at once (3+ = all)"),
    Param("step_sleep", "float", 0.05, min=0.0, max=5, help="sleep per step (s)"),
    Param("n_factorial", "int", 10, min=1, max=500, help="compute n!"),
    Param("n_fibonacci", "int", 10, min=1, max=500, help="compute the n-th Fibonacci number"),
    Param("n_binomial", "int", 20, min=1, max=500, help="compute C(n, n // 2)"),
]
QUICK = {"step_sleep": 0.01}


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


async def factorial(n, step, say):
    value = 1
    for i in range(2, n + 1):
        await asyncio.sleep(step)
        value *= i
        say(f"factorial({i}) = {value}")
    return value


async def fibonacci(n, step, say):
    a, b = 0, 1
    for i in range(1, n + 1):
        await asyncio.sleep(step)
        a, b = b, a + b
        say(f"fibonacci({i}) = {a}")
    return a


async def binomial(n, step, say):
    k, value = n // 2, 1
    for i in range(1, k + 1):
        await asyncio.sleep(step)
        value = value * (n - k + i) // i  # exact: C(n-k+i, i) at every step
        say(f"binomial({n - k + i}, {i}) = {value}")
    return value


async def run_all(jobs, workers, step, t0):
    limit = asyncio.Semaphore(workers)
    progress = []

    async def timed(name, job, n):
        async with limit:
            start = time.perf_counter() - t0

            def say(line):
                progress.append(
                    {"task": name, "t_s": round(time.perf_counter() - t0, 6), "line": line}
                )
                print(f"{time.perf_counter() - t0:6.3f} s  {line}")

            value = await job(n, step, say)
            end = time.perf_counter() - t0
        return {
            "task": name,
            "n": n,
            "value": value,
            "start_s": round(start, 6),
            "end_s": round(end, 6),
        }

    rows = await asyncio.gather(*(timed(name, job, n) for name, job, n in jobs))
    return rows, progress


def run(ctx, workers, step_sleep, n_factorial, n_fibonacci, n_binomial):
    jobs = [
        ("factorial", factorial, n_factorial),
        ("fibonacci", fibonacci, n_fibonacci),
        ("binomial", binomial, n_binomial),
    ]
    expected = {
        "factorial": math.factorial(n_factorial),
        "fibonacci": fib(n_fibonacci),
        "binomial": math.comb(n_binomial, n_binomial // 2),
    }
    t0 = time.perf_counter()
    with ctx.timed("work"):
        rows, progress = asyncio.run(run_all(jobs, workers, step_sleep, t0))
    total = time.perf_counter() - t0
    for row in rows:
        row["seconds"] = round(row["end_s"] - row["start_s"], 6)
        row["correct"] = row["value"] == expected[row["task"]]
        row["value"] = str(row["value"]) if row["value"] > 2**53 else row["value"]
    durations = sum(row["seconds"] for row in rows)
    longest = max(row["seconds"] for row in rows)
    return {
        "tasks": rows,
        "progress": progress,
        "total_s": round(total, 6),
        "sum_of_tasks_s": round(durations, 6),
        "longest_task_s": longest,
        "all_correct": all(row["correct"] for row in rows),
        "summary": f"3 tasks, {min(workers, 3)} at a time, took {total:.3f} s together; "
        f"one by one they add up to {durations:.3f} s (longest {longest:.3f} s)",
    }


if __name__ == "__main__":
    main(__name__)
