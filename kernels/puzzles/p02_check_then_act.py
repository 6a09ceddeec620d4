"""Check, then act: two withdrawals of 10 from a balance of 10; make the balance negative.

Each thread checks that there is enough money, then takes it. Between the check and the
withdrawal another thread may do both.
"""

import threading

GOAL = "assertion"
GRANULARITY = "line"
HINT = "Let both threads pass the 'if' before either of them subtracts."

balance = 10
lock = threading.Lock()


def withdraw(amount, fixed):
    global balance
    if fixed:
        with lock:
            if balance >= amount:
                balance -= amount
    elif balance >= amount:
        balance -= amount


def main(fixed=False):
    threads = [threading.Thread(target=withdraw, args=(10, fixed)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert balance >= 0, f"the balance went negative: {balance}"


if __name__ == "__main__":
    main()
    print("balance:", balance)
