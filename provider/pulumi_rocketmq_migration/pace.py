"""How many list requests may be in flight: additive increase, multiplicative decrease on 429.

A 429 halves the requests allowed in flight (at most once per Retry-After) and
pauses new ones until Retry-After has passed; each window of answered pages adds one
back, up to the ceiling (the listing's concurrency). The listing's workers
(``listing.py``) take a slot before each request and give it back after; the client
reports every 429 it meets, retried or not, through ``client.on_throttle``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Pace:
    """How many requests may be in flight: AIMD on 429, with a pause for Retry-After."""

    def __init__(self, ceiling: int, clock: Callable[[], float]) -> None:
        self.ceiling = ceiling
        self.limit = ceiling
        self.clock = clock
        self.throttles = 0
        self._in_flight = 0
        self._answered = 0
        self._resume_at = 0.0
        self._calm_until = 0.0
        self._changed = threading.Condition()

    def acquire(self, stopped: threading.Event) -> bool:
        """Wait for a free slot; False once the listing is over."""
        with self._changed:
            while not stopped.is_set():
                pause = self._resume_at - self.clock()
                if pause <= 0 and self._in_flight < self.limit:
                    self._in_flight += 1
                    return True
                self._changed.wait(timeout=pause if pause > 0 else 0.5)
            return False

    def release(self, answered: bool) -> None:
        with self._changed:
            self._in_flight -= 1
            if answered:
                self._answered += 1
                if self._answered >= self.limit and self.limit < self.ceiling:
                    self.limit += 1  # additive increase: one more per window answered
                    self._answered = 0
            self._changed.notify_all()

    def throttled(self, retry_after: float) -> None:
        """A 429: no new request before Retry-After; halve the limit once per such pause."""
        with self._changed:  # an RLock: pause() below takes it again, in one step with this
            now = self.clock()
            self.throttles += 1
            if now >= self._calm_until:
                self.limit = max(1, self.limit // 2)
                self._answered = 0
                self._calm_until = now + max(retry_after, 0.05)
            self.pause(retry_after)

    def pause(self, seconds: float) -> None:
        """No new request for ``seconds``."""
        with self._changed:
            self._resume_at = max(self._resume_at, self.clock() + seconds)
            self._changed.notify_all()

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()
