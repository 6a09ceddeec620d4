"""Correct: the only thread waits on an event that a SIGALRM handler sets a second later."""

import signal
import threading

woken = threading.Event()
signal.signal(signal.SIGALRM, lambda signum, frame: woken.set())
signal.setitimer(signal.ITIMER_REAL, 1.0)
woken.wait()  # not a deadlock: the armed timer's handler will set it
print("woken by the alarm")
