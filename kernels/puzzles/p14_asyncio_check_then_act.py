"""asyncio check, then act: two tasks withdraw 10 from a balance of 10; make it negative.

Tasks switch only at ``await``, but an ``await`` between the check and the withdrawal is enough:
the other task runs there. ``asyncio.Lock`` makes the check and the withdrawal one step.
"""

import asyncio

GOAL = "assertion"
HINT = "Let both tasks pass the check before either comes back from its await."

balance = 10


async def withdraw(amount, lock):
    global balance
    if lock is not None:
        async with lock:  # the fix
            if balance >= amount:
                await asyncio.sleep(0)  # ask the bank
                balance -= amount
        return
    if balance >= amount:
        await asyncio.sleep(0)  # ask the bank
        balance -= amount


async def both(fixed):
    lock = asyncio.Lock() if fixed else None
    await asyncio.gather(withdraw(10, lock), withdraw(10, lock))


def main(fixed=False):
    asyncio.run(both(fixed))
    assert balance >= 0, f"the balance went negative: {balance}"


if __name__ == "__main__":
    main()
    print("balance:", balance)
