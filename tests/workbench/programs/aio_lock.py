"""Three tasks take turns on one asyncio.Lock, each holding it across an await."""

import asyncio


async def worker(lock, log, i):
    for _ in range(2):
        async with lock:
            await asyncio.sleep(0.01)
            log.append(i)


async def main():
    lock, log = asyncio.Lock(), []
    await asyncio.gather(*(worker(lock, log, i) for i in range(3)))
    assert sorted(log) == [0, 0, 1, 1, 2, 2]


asyncio.run(main())
