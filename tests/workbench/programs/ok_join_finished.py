import threading
import time

results = {}


def quick():
    results["q"] = 42


def slow():
    time.sleep(0.5)


a = threading.Thread(target=quick)
b = threading.Thread(target=slow)
a.start()
b.start()
time.sleep(0.1)
a.join()
print(results["q"])
b.join()
