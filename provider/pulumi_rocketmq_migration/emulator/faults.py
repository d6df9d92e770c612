"""Fault injection: what can go wrong between a client and the service, as one value.

``Faults`` is declarative and frozen; ``FaultPlan`` holds the one current value and
its counters, so "the first N requests" means the first N since the faults were set.
Each fault counts only the requests it takes: a request refused by an earlier fault in
the order below does not use up a later one, so ``throttle=2, server_errors=1`` answers
429, 429, 500 and then normally.

Before a GET is handled (other methods always get their 405):

- ``latency_seconds``: every request waits this long first.
- ``reset``: the first N requests get no answer; the connection is reset (RST).
- ``hang``: the next N are accepted and never answered; the connection stays open
  until the client gives up (or the emulator stops).
- ``throttle``: the next N get 429 with ``Retry-After: retry_after`` and APIGW.0308
  (no Retry-After header when ``retry_after`` is null).
- ``server_errors``: the next N get a 5xx, cycling through ``server_error_statuses``.

On the way out, 200 answers only:

- ``malformed_json``: the first N are invalid JSON (a trailing comma).
- ``truncated_json``: the next N carry only the first half of the body; with
  ``truncated_full_length`` the Content-Length still announces the whole body (the
  client sees a broken read), otherwise it matches the short body (invalid JSON).
- ``trickle``: the next N send their headers, then the body a byte every
  ``TRICKLE_SECONDS``: a server never silent long enough for a read timeout to fire.

On every list answer:

- ``limit_cap``: at most K tasks a page whatever ``limit`` asks; ``offset`` then counts
  pages of K, as a server with a lower maximum would: items (offset-1)*K .. offset*K.
- ``inconsistent_total``: ``total`` is reported as the real total plus D.
- ``total_drift``: ``total`` grows by this much with every list answer already served,
  so it changes between the pages of one listing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Literal

import attrs

_non_negative = [attrs.validators.instance_of(int), attrs.validators.ge(0)]


def _statuses(value: Any) -> tuple[int, ...]:
    return tuple(value)


def _check_statuses(instance: Faults, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not value or any(
        not isinstance(s, int) or isinstance(s, bool) or not 500 <= s <= 599 for s in value
    ):
        raise ValueError(f"{attribute.name} must be a non-empty list of 5xx statuses, got {value}")


def _check_cap(instance: Faults, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise ValueError(f"{attribute.name} must be a positive integer or null, got {value!r}")


def _check_retry_after(instance: Faults, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValueError(
            f"{attribute.name} must be a whole number of seconds or null, got {value!r}"
        )


@attrs.frozen
class Faults:
    """Which faults to inject; all off by default. See the module docstring for each."""

    latency_seconds: float = attrs.field(
        default=0.0, converter=float, validator=attrs.validators.ge(0.0)
    )
    reset: int = attrs.field(default=0, validator=_non_negative)
    hang: int = attrs.field(default=0, validator=_non_negative)
    throttle: int = attrs.field(default=0, validator=_non_negative)
    retry_after: int | None = attrs.field(default=1, validator=_check_retry_after)
    server_errors: int = attrs.field(default=0, validator=_non_negative)
    server_error_statuses: tuple[int, ...] = attrs.field(
        default=(500, 502, 503), converter=_statuses, validator=_check_statuses
    )
    malformed_json: int = attrs.field(default=0, validator=_non_negative)
    truncated_json: int = attrs.field(default=0, validator=_non_negative)
    truncated_full_length: bool = attrs.field(
        default=True, validator=attrs.validators.instance_of(bool)
    )
    trickle: int = attrs.field(default=0, validator=_non_negative)
    limit_cap: int | None = attrs.field(default=None, validator=_check_cap)
    inconsistent_total: int = attrs.field(default=0, validator=attrs.validators.instance_of(int))
    total_drift: int = attrs.field(default=0, validator=attrs.validators.instance_of(int))

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Faults:
        """Faults from a scenario's ``faults`` object; ValueError names an unknown key."""
        known = {a.name for a in attrs.fields(cls)}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"faults: unknown key(s) {', '.join(unknown)}")
        try:
            return cls(**value)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"faults: {exc}") from None


Before = Literal["reset", "hang", "throttle"] | int | None
Damage = Literal["malformed", "truncated", "trickled"] | None
TRICKLE_SECONDS = 0.2


class FaultPlan:
    """The current Faults and how many requests each fault has taken, thread-safe."""

    def __init__(self, faults: Faults) -> None:
        self._lock = threading.Lock()
        self._faults = faults
        self._taken: dict[str, int] = {}
        self._list_answers = 0

    @property
    def faults(self) -> Faults:
        return self._faults

    def set(self, faults: Faults) -> None:
        """Replace the faults and start counting afresh."""
        with self._lock:
            self._faults = faults
            self._taken = {}
            self._list_answers = 0

    def _take(self, name: str, limit: int) -> int | None:
        # The 0-based index of this occurrence, or None when the fault is used up.
        taken = self._taken.get(name, 0)
        if taken >= limit:
            return None
        self._taken[name] = taken + 1
        return taken

    def before(self) -> Before:
        """The fault that answers this request instead of the service: a name, a 5xx, or None."""
        with self._lock:
            f = self._faults
            if self._take("reset", f.reset) is not None:
                return "reset"
            if self._take("hang", f.hang) is not None:
                return "hang"
            if self._take("throttle", f.throttle) is not None:
                return "throttle"
            index = self._take("server_errors", f.server_errors)
            if index is not None:
                return f.server_error_statuses[index % len(f.server_error_statuses)]
            return None

    def damage(self) -> Damage:
        """How to spoil this 200 answer, if at all."""
        with self._lock:
            f = self._faults
            if self._take("malformed_json", f.malformed_json) is not None:
                return "malformed"
            if self._take("truncated_json", f.truncated_json) is not None:
                return "truncated"
            if self._take("trickle", f.trickle) is not None:
                return "trickled"
            return None

    def total_offset(self) -> int:
        """How far this list answer's total is off; counts the answer for ``total_drift``."""
        with self._lock:
            served = self._list_answers
            self._list_answers += 1
            return self._faults.inconsistent_total + self._faults.total_drift * served
