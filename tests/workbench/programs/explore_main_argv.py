"""Correct: a script whose main(argv) is called by its own __main__ block."""

import sys
import threading


def main(argv):
    workers = 2 if len(argv) < 3 else int(argv[2])
    lock = threading.Lock()
    done = []

    def work():
        with lock:
            done.append(1)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == workers


if __name__ == "__main__":
    main(sys.argv)
