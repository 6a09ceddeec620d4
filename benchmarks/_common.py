"""Shared by the benchmarks: medians of repeated timings, and a table printer.

Every benchmark prints the workbench's figure and a bare-Python baseline measured in the same run,
and their ratio, because absolute times on a shared 2-core machine say little by themselves.
"""

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout


def median(values):
    return statistics.median(values)


def table(title, rows, target):
    """Print rows of (label, workbench, baseline, ratio) and the target ratio."""
    print(f"\n{title}")
    print(f"  {'case':34} {'workbench':>12} {'baseline':>12} {'ratio':>7}")
    for label, ours, base, ratio in rows:
        print(f"  {label:34} {ours:>12.4f} {base:>12.4f} {ratio:>7.3f}")
    print(f"  target: {target}")
