"""multiprocessing's Event, Condition, Barrier and JoinableQueue used correctly by forked
workers that share a name, each bumping its own forked copy of a global."""

import multiprocessing as mp

hits = 0


def worker(start, cond, state, barrier, jobs):
    global hits
    start.wait()
    with cond:
        state.value += 1
        cond.notify_all()
    barrier.wait()
    while True:
        job = jobs.get()
        hits += 1  # this process's own copy: no race with the other worker's
        jobs.task_done()
        if job is None:
            break


if __name__ == "__main__":
    ctx = mp.get_context("fork")
    start, cond, barrier = ctx.Event(), ctx.Condition(), ctx.Barrier(2)
    state, jobs = ctx.Value("i", 0), ctx.JoinableQueue()
    args = (start, cond, state, barrier, jobs)
    ps = [ctx.Process(target=worker, args=args, name="worker") for _ in range(2)]
    for p in ps:
        p.start()
    start.set()
    with cond:
        cond.wait_for(lambda: state.value == 2)
    for job in [1, 2, 3, None, None]:
        jobs.put(job)
    jobs.join()
    for p in ps:
        p.join()
    assert all(p.exitcode == 0 for p in ps)
