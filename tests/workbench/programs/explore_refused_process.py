"""A correct program the explorer cannot control: a process of multiprocessing's own."""

import multiprocessing

if __name__ == "__main__":
    child = multiprocessing.Process(target=print)  # refused at start
    child.start()
    child.join()
