import threading

stop = threading.Event()


def ticker():
    for i in range(8):
        print("tick", i)
        stop.wait(0.2)  # an interruptible sleep


t = threading.Thread(target=ticker)
t.start()
t.join()
