"""A marked critical section, in plain Python: two threads inside it at once is an error.

``with critical:`` counts who is inside; a second thread entering raises
:class:`CriticalSectionError`, which the explorer reports as a "critical" failure. Create one
``Critical()`` per program run (at module level), so every execution starts with it empty.
"""


class CriticalSectionError(AssertionError):
    """Two threads were inside the same critical section at once."""


class Critical:
    """A context manager that marks a critical section and checks mutual exclusion."""

    def __init__(self, name: str = "the critical section") -> None:
        self.name = name
        self.inside = 0

    def __enter__(self) -> "Critical":
        self.inside += 1
        if self.inside > 1:
            raise CriticalSectionError(f"two threads are inside {self.name}")
        return self

    def __exit__(self, *exc: object) -> None:
        self.inside -= 1
