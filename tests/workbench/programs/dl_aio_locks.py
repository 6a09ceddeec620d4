"""Two asyncio tasks take two asyncio locks in opposite orders: each waits for the other."""

import asyncio


async def worker(first, second, started, other_started):
    async with first:
        started.set()
        await other_started.wait()
        async with second:
            pass


async def main():
    a, b = asyncio.Lock(), asyncio.Lock()
    ea, eb = asyncio.Event(), asyncio.Event()
    await asyncio.gather(
        asyncio.create_task(worker(a, b, ea, eb), name="left"),
        asyncio.create_task(worker(b, a, eb, ea), name="right"),
    )


asyncio.run(main())
