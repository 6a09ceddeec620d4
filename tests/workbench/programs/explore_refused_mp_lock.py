"""A correct program the explorer cannot control: a multiprocessing lock blocks for real."""

import multiprocessing


def main():
    lock = multiprocessing.get_context("spawn").Lock()  # refused here
    with lock:
        pass
