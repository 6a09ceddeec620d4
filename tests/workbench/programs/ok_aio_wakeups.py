"""Correct asyncio programs whose loop sits idle while something outside it will wake it:
another thread (call_soon_threadsafe), an executor, a subprocess, a signal handler."""

import asyncio
import os
import signal
import sys
import threading
import time


async def woken_by_thread():
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def later():
        time.sleep(0.4)
        loop.call_soon_threadsafe(future.set_result, "from a thread")

    threading.Thread(target=later).start()
    return await future


async def woken_by_executor():
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, time.sleep, 0.4)


async def woken_by_subprocess():
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(0.4)"
    )
    return await proc.wait()


async def woken_by_signal():
    loop = asyncio.get_running_loop()
    got = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, got.set)
    threading.Timer(0.4, os.kill, (os.getpid(), signal.SIGUSR1)).start()
    await got.wait()
    loop.remove_signal_handler(signal.SIGUSR1)


async def main():
    print(await woken_by_thread())
    print(await woken_by_executor())
    print(await woken_by_subprocess())
    await woken_by_signal()
    print("done")


asyncio.run(main())
