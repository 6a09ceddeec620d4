"""A well-behaved asyncio program: only awaits, no blocking calls."""

import asyncio


async def worker(queue, results):
    while (item := await queue.get()) is not None:
        await asyncio.sleep(0.001)
        results.append(item)


async def main():
    queue, results = asyncio.Queue(), []
    tasks = [asyncio.create_task(worker(queue, results)) for _ in range(3)]
    for i in range(30):
        await queue.put(i)
    for _ in tasks:
        await queue.put(None)
    await asyncio.gather(*tasks)
    assert sorted(results) == list(range(30))


asyncio.run(main())
