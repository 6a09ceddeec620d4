import _thread
import threading

done = threading.Event()


def worker():
    x = 0
    for i in range(40_000_000):  # ~0.5 s of computing
        x += i
    done.set()


_thread.start_new_thread(worker, ())
done.wait()
print("ok")
