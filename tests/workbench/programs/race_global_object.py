"""A lost update on an attribute of a module-level object (``account.balance += 1``): no lock."""

import threading


class Account:
    def __init__(self):
        self.balance = 0


account = Account()


def deposit(times):
    for _ in range(times):
        account.balance += 1  # the race: read and write of the global object's attribute


threads = [threading.Thread(target=deposit, args=(200,), name=f"dep{i}") for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(account.balance)
