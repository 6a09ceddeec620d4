"""Lock order: thread A takes lock a then b, thread B takes b then a; make them deadlock."""

import threading

GOAL = "deadlock"
HINT = "Let each thread take its first lock before either takes its second."

a = threading.Lock()
b = threading.Lock()


def transfer(first, second):
    first.acquire()
    second.acquire()
    second.release()
    first.release()


def main(fixed=False):
    order_b = (a, b) if fixed else (b, a)  # the fix: one lock order everywhere
    one = threading.Thread(target=transfer, args=(a, b), name="A")
    two = threading.Thread(target=transfer, args=order_b, name="B")
    one.start()
    two.start()
    one.join()
    two.join()


if __name__ == "__main__":
    main()
    print("no deadlock this time")
