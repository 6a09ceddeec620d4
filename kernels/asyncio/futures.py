"""asyncio Futures filled by coroutines, and callbacks that fire in the order they complete.

Two futures are created, "sum" first and "factorial" second. One coroutine computes the sum
1 + 2 + … + N1 and sets the first after ``delay_sum``; another computes N2! and sets the second
after ``delay_factorial``. A done-callback on each records when it fired: the order is the order
of completion (the shorter delay first), not the order of creation. Two of the book's slips are
parameters. ``book_sum_bug``: the 2nd edition's "sum" coroutine only counts to N, and the
check against N(N+1)/2 catches it. ``forget_set_result``: a coroutine that never sets its future
leaves whoever awaits it waiting forever; that variant hangs by design.
"""

import asyncio
import math
import time

from kernels.recipe import Param, main

TITLE = "asyncio Futures and done-callbacks"
CHAPTER = "4. Asynchronous programming"
BOOK = "E1-4.05, E2-5.05"
SHOWS_BUG = True
LESSON = (
    "Callbacks run when a future gets its result, so completion_order follows the delays, not "
    "the creation order: make delay_factorial shorter than delay_sum and 'factorial' comes first. "
    "With book_sum_bug on, the sum is N instead of N(N+1)/2 and the reference check fails. With "
    "forget_set_result on, the sum future never completes and the run waits forever."
)
PARAMS = [
    Param("n_sum", "int", 50, min=1, max=10_000_000, help="N1: sum 1..N1"),
    Param("n_factorial", "int", 10, min=0, max=1000, help="N2: compute N2!"),
    Param("delay_sum", "float", 0.4, min=0.0, max=60, help="seconds before the sum is set"),
    Param("delay_factorial", "float", 0.2, min=0.0, max=60, help="seconds before N2! is set"),
    Param("book_sum_bug", "bool", True, help="the 2nd edition's sum that only counts to N"),
    Param("forget_set_result", "bool", False, help="never set the sum's result (hangs)"),
]
QUICK = {"delay_sum": 0.06, "delay_factorial": 0.03}


async def first_coroutine(future, n, delay, count_only, forget):
    await asyncio.sleep(delay)
    total = 0
    for i in range(1, n + 1):
        total += 1 if count_only else i  # the book's bug adds 1, so it just counts to n
    if not forget:
        future.set_result(total)


async def second_coroutine(future, n, delay):
    await asyncio.sleep(delay)
    future.set_result(math.factorial(n))


async def fill_futures(ctx, n_sum, n_factorial, delays, count_only, forget, t0):
    loop = asyncio.get_running_loop()
    futures = {"sum": loop.create_future(), "factorial": loop.create_future()}
    fired = []

    def on_done(name, future):
        fired.append({"future": name, "t_s": round(time.perf_counter() - t0, 6)})
        ctx.partial(completion_order=[f["future"] for f in fired])
        print(f"{fired[-1]['t_s']:6.3f} s  callback: {name} = {future.result()}")

    for name, future in futures.items():
        future.add_done_callback(lambda fut, name=name: on_done(name, fut))
    workers = [
        asyncio.create_task(first_coroutine(futures["sum"], n_sum, delays[0], count_only, forget)),
        asyncio.create_task(second_coroutine(futures["factorial"], n_factorial, delays[1])),
    ]
    values = await asyncio.gather(*futures.values())  # forever, if a future is never set
    await asyncio.gather(*workers)
    return dict(zip(futures, values, strict=True)), fired


def run(ctx, n_sum, n_factorial, delay_sum, delay_factorial, book_sum_bug, forget_set_result):
    expected = {"sum": n_sum * (n_sum + 1) // 2, "factorial": math.factorial(n_factorial)}
    ctx.partial(creation_order=["sum", "factorial"], completion_order=[])
    t0 = time.perf_counter()
    with ctx.timed("work"):
        values, fired = asyncio.run(
            fill_futures(
                ctx,
                n_sum,
                n_factorial,
                (delay_sum, delay_factorial),
                book_sum_bug,
                forget_set_result,
                t0,
            )
        )
    checks = [
        {
            "future": name,
            "value": str(values[name]),
            "expected": str(expected[name]),
            "correct": values[name] == expected[name],
        }
        for name in values
    ]
    order = [f["future"] for f in fired]
    wrong = [c["future"] for c in checks if not c["correct"]]
    return {
        "creation_order": ["sum", "factorial"],
        "completion_order": order,
        "callbacks": fired,
        "checks": checks,
        "all_correct": not wrong,
        "summary": f"callbacks fired in the order {', '.join(order)}; "
        + (f"wrong against the reference: {', '.join(wrong)}" if wrong else "both values correct"),
    }


if __name__ == "__main__":
    main(__name__)
