"""A correct program the explorer cannot control: threading.Timer runs a real thread."""

import threading

timer = threading.Timer(0.01, print)  # refused here
timer.start()
timer.join()
