"""``make bench``: how fast and how heavy the client and the lookups are, on the local emulator.

Run ``python -m benchmarks`` (``--quick`` for a smoke run). Never part of ``make test``.
"""
