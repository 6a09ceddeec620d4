"""Chapter 3 of the book: process-based parallelism with ``multiprocessing`` (spawn context)."""
