"""Deadlock among tasks: a worker forgets task_done() for one item, so join() never returns."""

import asyncio


async def main():
    jobs = asyncio.Queue()  # named here, not where it is first awaited

    async def worker():
        while True:
            job = await jobs.get()
            if job == 2:
                continue  # the bug: no task_done() for this one
            jobs.task_done()

    workers = [asyncio.create_task(worker())]
    for job in range(4):
        await jobs.put(job)
    await jobs.join()
    workers[0].cancel()


asyncio.run(main())
