"""A consumer task awaits an event that the producer, by a typo, never sets."""

import asyncio


async def consumer(ready, box):
    await ready.wait()
    return box[0]


async def producer(box):
    await asyncio.sleep(0.01)
    box.append(42)  # forgot ready.set()


async def main():
    ready, box = asyncio.Event(), []
    task = asyncio.create_task(consumer(ready, box), name="consumer")
    await producer(box)
    print(await task)


asyncio.run(main())
