"""Manager RLock (taken twice), Semaphore, Condition (wait_for) and JoinableQueue used
correctly by two processes; and a multiprocessing Semaphore as a turnstile."""

import multiprocessing as mp


def work(rlock, sem, cond, state, jobs, turnstile):
    with turnstile:
        with rlock, rlock:  # re-entered
            state["count"] = state.get("count", 0) + 1
        with cond:
            state["ready"] = state.get("ready", 0) + 1
            cond.notify_all()
    with sem:
        job = jobs.get()
        jobs.task_done()
    return job


if __name__ == "__main__":
    turnstile = mp.Semaphore(1)
    with mp.Manager() as manager:
        rlock, sem, cond = manager.RLock(), manager.Semaphore(1), manager.Condition()
        state, jobs = manager.dict(), manager.JoinableQueue()
        args = (rlock, sem, cond, state, jobs, turnstile)
        ps = [mp.Process(target=work, args=args) for _ in range(2)]
        for p in ps:
            p.start()
        with cond:
            cond.wait_for(lambda: state.get("ready", 0) == 2, timeout=10)
        jobs.put(1)
        jobs.put(2)
        jobs.join()
        for p in ps:
            p.join()
        assert all(p.exitcode == 0 for p in ps) and state["count"] == 2
