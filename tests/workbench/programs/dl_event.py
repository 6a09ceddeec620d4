"""Two threads wait for an event that nobody sets."""

import threading

go = threading.Event()
threads = [threading.Thread(target=go.wait) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
