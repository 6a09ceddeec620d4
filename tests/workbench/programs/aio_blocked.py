"""A coroutine calls time.sleep: the whole event loop stops for its duration."""

import asyncio
import time


async def slow():
    for _ in range(2):
        time.sleep(0.2)  # blocks the loop
        await asyncio.sleep(0)


async def ticker():
    for _ in range(10):
        await asyncio.sleep(0.01)


async def main():
    await asyncio.gather(slow(), ticker())


asyncio.run(main())
