"""The interleaving explorer: be the scheduler of a program's threads.

``control`` runs one thread at a time and asks a chooser at every scheduling point;
``standins`` model threading's primitives so that nothing blocks for real; ``aio_loop``
chooses among ready asyncio callbacks; ``targets`` says what
can be explored and how a program declares its goal; ``execution`` runs one schedule in a fresh
module dict; ``search`` tries many (random, PCT, preemption-bounded DFS) and shrinks a failure;
``schedule`` saves and loads them; ``child`` and ``runner`` keep all of it in a child process;
``session`` steps a program one choice at a time for the window's step view.
"""
