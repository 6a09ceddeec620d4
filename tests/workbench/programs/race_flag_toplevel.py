"""A stop flag written by the script's top level (STORE_NAME) and read by a worker with no
lock or event between them: a data race (the classic unsynchronised flag)."""

import threading
import time

stop = False


def worker():
    while not stop:  # the read
        time.sleep(0.001)


t = threading.Thread(target=worker)
t.start()
time.sleep(0.05)
stop = True  # the write, at the top level of the script
t.join()
