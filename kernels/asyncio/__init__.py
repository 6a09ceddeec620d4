"""Chapter 4 of the book: asynchronous programming with ``asyncio`` and ``concurrent.futures``.

The package is named ``kernels.asyncio``; recipes import the standard library's ``asyncio`` with
absolute imports, which is what Python 3 does by default.
"""
