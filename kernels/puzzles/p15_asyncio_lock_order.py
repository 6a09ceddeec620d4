"""asyncio lock order: two tasks take two asyncio.Locks in opposite orders; make them deadlock.

Each task takes its first lock, awaits something, then asks for its second lock.
"""

import asyncio

GOAL = "deadlock"
HINT = "Let each task take its first lock before either asks for its second."


async def transfer(first, second):
    async with first:
        await asyncio.sleep(0.1)  # virtual time: no real waiting under the explorer
        async with second:
            pass


async def both(fixed):
    a, b = asyncio.Lock(), asyncio.Lock()
    order = (a, b) if fixed else (b, a)  # the fix: one order everywhere
    await asyncio.gather(transfer(a, b), transfer(*order))


def main(fixed=False):
    asyncio.run(both(fixed))


if __name__ == "__main__":
    main()
    print("no deadlock this time")
