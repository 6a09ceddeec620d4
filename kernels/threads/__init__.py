"""Chapter 2 of the book: thread-based parallelism with ``threading`` and ``queue``."""
