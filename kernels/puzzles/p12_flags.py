"""Flags: each thread raises its flag and waits while the other's is up; get both inside.

The broken protocol checks the other flag before raising its own. The fixed one is Peterson's
algorithm: raise your flag, give the other the turn, and wait while it wants in and has the turn.
"""

import time

from kernels.puzzles.goal import Critical

GOAL = "critical"
GRANULARITY = "line"
HINT = "Let both threads pass the while loop before either raises its flag."

flag = [False, False]
turn = 0
critical = Critical()


def enter(me, fixed):
    global turn
    other = 1 - me
    if fixed:
        flag[me] = True
        turn = other
        while flag[other] and turn == other:
            time.sleep(0)
    else:
        while flag[other]:
            time.sleep(0)
        flag[me] = True
    with critical:
        pass
    flag[me] = False


def main(fixed=False):
    import threading

    threads = [threading.Thread(target=enter, args=(i, fixed), name=f"T{i}") for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
    print("taken turns")
