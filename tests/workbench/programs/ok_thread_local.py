import threading
import time


class Ctx(threading.local):
    def set(self, v):
        self.value = v

    def get(self):
        return self.value


ctx = Ctx()


def worker(i):
    for _ in range(50):
        ctx.set(i)
        assert ctx.get() == i
        time.sleep(0.001)


ts = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("ok")
