"""Correct: the main thread waits on an event that a SIGUSR1 handler sets when the child
process it started says it is ready by signalling its parent."""

import os
import signal
import subprocess
import threading

ready = threading.Event()
signal.signal(signal.SIGUSR1, lambda signum, frame: ready.set())
child = subprocess.Popen(["sh", "-c", f"sleep 0.8; kill -USR1 {os.getpid()}"])
ready.wait()  # not a deadlock: the child will send the signal
child.wait()
print("the child is ready")
