"""An exception skips the release: the semaphore's only permit is lost."""

import threading

permits = threading.Semaphore(1)


def risky(n):
    permits.acquire()
    if n == 0:
        try:
            raise ValueError("boom")
        except ValueError:
            return  # the permit is never given back
    permits.release()


for n in range(3):
    t = threading.Thread(target=risky, args=(n,))
    t.start()
    t.join()
