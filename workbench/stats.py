"""Speedup arithmetic: speedup, efficiency, Amdahl's serial fraction (least squares), Karp–Flatt.

Pure functions over measured times, so the GUI, the command line and the tests agree.

Amdahl's law gives ``1/S(p) = s + (1 - s)/p``, i.e. ``1/S - 1/p = s (1 - 1/p)``: a line through
the origin in ``x = 1 - 1/p``, so the least-squares serial fraction is ``Σxy / Σx²``.
The Karp–Flatt metric is the same quantity point by point: ``e(p) = (1/S - 1/p) / (1 - 1/p)``;
an ``e`` that grows with ``p`` means overhead grows with the workers, not a fixed serial part.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

NOISY_CV = 0.05  # a point whose repeats vary by more than 5 % (coefficient of variation)


@dataclass(frozen=True)
class Point:
    """One worker count of a sweep, from its repeats' times in seconds."""

    workers: int
    times: tuple[float, ...]
    startup: tuple[float, ...] = ()

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cv(self) -> float:
        """Coefficient of variation of the repeats (0 with a single repeat)."""
        if len(self.times) < 2 or self.median == 0:
            return 0.0
        return statistics.stdev(self.times) / statistics.mean(self.times)

    @property
    def noisy(self) -> bool:
        return self.cv > NOISY_CV


def speedup(t1: float, tp: float) -> float:
    return t1 / tp if tp > 0 else float("inf")


def karp_flatt(s: float, p: int) -> float | None:
    """Experimentally determined serial fraction; undefined at p = 1."""
    if p <= 1 or s <= 0:
        return None
    return (1 / s - 1 / p) / (1 - 1 / p)


def amdahl(serial_fraction: float, p: int) -> float:
    """The speedup Amdahl's law predicts on ``p`` workers."""
    return 1 / (serial_fraction + (1 - serial_fraction) / p)


def fit_amdahl(workers: Sequence[int], speedups: Sequence[float]) -> tuple[float, float] | None:
    """Least-squares serial fraction (clamped to [0, 1]) and the R² of the fitted speedups.

    Needs at least one point with p > 1. R² is computed on the speedups themselves, so it says
    how well the curve the user sees fits the points they see.
    """
    pairs = [
        (1 - 1 / p, 1 / s - 1 / p)
        for p, s in zip(workers, speedups, strict=True)
        if p > 1 and s > 0
    ]
    if not pairs:
        return None
    sxx = sum(x * x for x, _ in pairs)
    sxy = sum(x * y for x, y in pairs)
    s = min(1.0, max(0.0, sxy / sxx))
    predicted = [amdahl(s, p) for p in workers]
    mean = statistics.mean(speedups)
    ss_tot = sum((v - mean) ** 2 for v in speedups)
    ss_res = sum((v - f) ** 2 for v, f in zip(speedups, predicted, strict=True))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0
    return s, r2
