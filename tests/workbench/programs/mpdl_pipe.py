"""Both ends of a pipe receive first: each process waits for the other to speak."""

import multiprocessing as mp


def child(conn):
    question = conn.recv()
    conn.send(question * 2)


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    mine, theirs = ctx.Pipe()
    p = ctx.Process(target=child, args=(theirs,))
    p.start()
    answer = mine.recv()  # should have sent the question first
    mine.send(answer)
    p.join()
