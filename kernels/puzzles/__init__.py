"""Puzzles for workshops: be the scheduler and break a small concurrent program.

Each ``pNN_*.py`` is a short plain Python file, runnable alone
(``python -m kernels.puzzles.p01_lost_update``), with its goal (``GOAL``), a ``HINT`` and a
``fixed`` parameter of ``main()`` that repairs it. ``workbench explore puzzle.p01_lost_update``
finds a winning schedule; the step view lets a student find it by hand. docs/puzzles.md says how
to write one.
"""
