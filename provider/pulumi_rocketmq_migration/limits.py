"""How long and how hard a call may try: the default limits, and the bound on a call.

The defaults, in seconds (docs/installation-configuration.md, "Limits", states them):

- ``DEFAULT_CONNECT_TIMEOUT``: to open one connection;
- ``DEFAULT_READ_TIMEOUT``: for each read from the socket of one attempt;
- ``DEFAULT_DEADLINE``: for one call, every attempt and pause between them included;
- ``DEFAULT_MAX_RETRIES``: attempts after the first, for 429, 5xx, a broken
  connection, a body broken off or not JSON.

Each attempt's connect and read timeouts are cut to what is left of the deadline.

A wait has a timeout and reads the task several times; a read in flight must not
outlive the wait. Rather than thread a deadline through every layer (the read is the
caller's own function, and may make more than one call), the wait opens a bound for
the current thread and context, and the client ends each call by the tighter of its
own deadline and that bound. Times are ``time.monotonic()`` seconds.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_DEADLINE = 120.0
DEFAULT_MAX_RETRIES = 4

_bound: ContextVar[float | None] = ContextVar("pulumi_rocketmq_migration_deadline", default=None)


@contextlib.contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Calls made inside end within ``seconds`` from now (or sooner, if already bound)."""
    until = time.monotonic() + max(0.0, seconds)
    outer = _bound.get()
    token = _bound.set(until if outer is None else min(outer, until))
    try:
        yield
    finally:
        _bound.reset(token)


def deadline_for(limit: float) -> float:
    """When a call starting now must end: after ``limit`` seconds, or at the enclosing bound."""
    own = time.monotonic() + limit
    outer = _bound.get()
    return own if outer is None else min(own, outer)
