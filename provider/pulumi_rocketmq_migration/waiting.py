"""Waiting for a task to reach a status: poll, stop on a fail-on status, time out.

The policy is a value; the loop takes its clock and sleep as arguments, so that
the lookup, the CLI and the tests share one loop and tests need no real waiting.

The rules, the same for the lookups and the CLI:

- ``timeout`` bounds the whole wait, a read in flight included: each read is bound
  to the time left (see ``limits``). ``0`` means check once and do not wait:
  that one read has the client's own per-call deadline.
- ``poll_interval`` is at least 1s: every read is a signed API call, and faster
  polling only earns throttling.
- ``failed`` always fails a wait unless it is waited for: ``fail_on`` adds statuses
  to it, it does not replace it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

import attrs

from . import limits
from .errors import InvalidRequest, ServiceUnavailable, TaskFailed, Throttled, WaitTimeout, shown
from .models import STATUSES, MetadataTask, TaskStatus

DEFAULT_WAIT_FOR = (TaskStatus.FINISHED.value,)
ALWAYS_FAIL_ON = (TaskStatus.FAILED.value,)
DEFAULT_TIMEOUT = 30 * 60.0
DEFAULT_POLL_INTERVAL = 10.0
MIN_POLL_INTERVAL = 1.0
MAX_DURATION = 7 * 24 * 3600.0

DURATION_GRAMMAR = (
    "a duration is seconds (90, 2.5) or numbers each with its unit, in the order h, m, s "
    "(90s, 10m, 1h30m, 1.5h); ASCII digits; at most 168h"
)

_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_DURATION = re.compile(
    rf"(?P<bare>{_NUMBER})|(?=[0-9])(?:(?P<h>{_NUMBER})h)?(?:(?P<m>{_NUMBER})m)?(?:(?P<s>{_NUMBER})s)?",
    re.ASCII,
)


def parse_duration(field: str, value: object) -> float:
    """Seconds from ``90``, ``90s``, ``10m``, ``1h30m``, ``1.5h`` or a number; strict.

    Anything else is an InvalidRequest naming ``field`` and the grammar.
    """
    if isinstance(value, str):
        match = _DURATION.fullmatch(value.strip())
        if not match:
            raise InvalidRequest(field, f"{shown(value)} is not a duration: {DURATION_GRAMMAR}")
        if match["bare"] is not None:
            seconds = float(match["bare"])
        else:
            hours, minutes, secs = (float(match[g] or 0) for g in ("h", "m", "s"))
            seconds = hours * 3600 + minutes * 60 + secs
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            seconds = float(value)
        except OverflowError:
            seconds = float("inf")
    else:
        raise InvalidRequest(
            field, f"must be a duration such as 90s or 10m, got {type(value).__name__}"
        )
    if seconds != seconds or seconds < 0:
        raise InvalidRequest(field, f"must be a duration of 0 or more, got {shown(value)}")
    if seconds > MAX_DURATION:
        raise InvalidRequest(field, f"must be at most 168h, got {shown(value)}")
    return seconds


def check_statuses(field: str, values: object) -> tuple[str, ...]:
    """A status, or a list of them, each one of the documented statuses."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise InvalidRequest(field, f"must be a status or a list of statuses, got {shown(values)}")
    for value in values:
        if value not in STATUSES:
            raise InvalidRequest(field, f"{shown(value)} is not one of {', '.join(STATUSES)}")
    return tuple(values)


@attrs.frozen
class WaitPolicy:
    """Wait until the status is one of ``wait_for``; fail at once on ``fail_on``."""

    wait_for: tuple[str, ...] = DEFAULT_WAIT_FOR
    fail_on: tuple[str, ...] = ALWAYS_FAIL_ON
    timeout: float = DEFAULT_TIMEOUT
    interval: float = DEFAULT_POLL_INTERVAL

    @classmethod
    def build(
        cls,
        wait_for: Sequence[str] | str,
        fail_on: Sequence[str] | str | None = None,
        timeout: object = None,
        interval: object = None,
    ) -> WaitPolicy:
        """Check user input once; every error names the input it is about.

        None means the default: 30m for ``timeout``, 10s for ``interval``.
        """
        targets = check_statuses("wait_for", wait_for)
        if not targets:
            raise InvalidRequest("wait_for", "name at least one status to wait for")
        named = check_statuses("fail_on", fail_on if fail_on is not None else ())
        overlap = set(targets) & set(named)
        if overlap:
            raise InvalidRequest("fail_on", f"{', '.join(sorted(overlap))} is also in wait_for")
        fails = tuple(dict.fromkeys(named + ALWAYS_FAIL_ON))
        fails = tuple(s for s in fails if s not in targets)
        seconds = DEFAULT_TIMEOUT if timeout is None else parse_duration("timeout", timeout)
        every = (
            DEFAULT_POLL_INTERVAL if interval is None else parse_duration("poll_interval", interval)
        )
        if every < MIN_POLL_INTERVAL:
            raise InvalidRequest(
                "poll_interval",
                f"must be at least 1s (every read is an API call), got {shown(interval)}",
            )
        return cls(wait_for=targets, fail_on=fails, timeout=seconds, interval=every)

    def verdict(self, task: MetadataTask) -> str:
        """``reached``, ``failed`` or ``waiting`` for a task as it is now."""
        if task.status in self.wait_for:
            return "reached"
        if task.status in self.fail_on:
            return "failed"
        return "waiting"


def wait(
    read: Callable[[], MetadataTask],
    policy: WaitPolicy,
    *,
    on_change: Callable[[MetadataTask, float], None] | None = None,
    on_poll: Callable[[MetadataTask, float], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> MetadataTask:
    """Read the task until the policy is met; return it, or raise TaskFailed or WaitTimeout.

    ``on_change`` hears each new status with the seconds elapsed; ``on_poll`` hears
    every read (for a live progress line). A read cut off by the timeout ends the
    wait as a WaitTimeout with the last status read; if nothing was read yet, the
    client's error (the service did not answer in time) stands.
    """
    start = clock()
    last: MetadataTask | None = None
    while True:
        try:
            task = _read(read, policy.timeout - (clock() - start), once=policy.timeout == 0)
        except (ServiceUnavailable, Throttled):
            if last is None or clock() - start < policy.timeout:
                raise
            raise _timed_out(last, clock() - start, policy) from None
        elapsed = clock() - start
        if on_change and (last is None or task.status != last.status):
            on_change(task, elapsed)
        if on_poll:
            on_poll(task, elapsed)
        last = task
        # Judged before the clock: a failure seen at the deadline is a failure.
        verdict = policy.verdict(task)
        if verdict == "reached":
            return task
        if verdict == "failed":
            raise TaskFailed(task.id, task.name, task.status)
        if elapsed >= policy.timeout:
            raise _timed_out(task, elapsed, policy)
        sleep(min(policy.interval, policy.timeout - elapsed))
        if clock() - start >= policy.timeout:
            # No read is started with no time left to finish it.
            raise _timed_out(task, clock() - start, policy)


def _read(read: Callable[[], MetadataTask], left: float, *, once: bool) -> MetadataTask:
    if once:
        return read()  # check once: the client's own per-call deadline applies
    with limits.bounded(left):
        return read()


def _timed_out(task: MetadataTask, elapsed: float, policy: WaitPolicy) -> WaitTimeout:
    return WaitTimeout(task.id, task.name, task.status, elapsed, " or ".join(policy.wait_for))


def deciding_task(tasks: Sequence[MetadataTask], policy: WaitPolicy) -> MetadataTask | None:
    """The task whose status is the verdict of a set: the first on a fail-on status, else
    the first still waiting, else the last (every task reached); None for no task."""
    for task in tasks:
        if policy.verdict(task) == "failed":
            return task
    for task in tasks:
        if policy.verdict(task) == "waiting":
            return task
    return tasks[-1] if tasks else None


def wait_all(
    read_all: Callable[[], Sequence[MetadataTask]],
    policy: WaitPolicy,
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[MetadataTask, ...]:
    """Read a set of tasks until every one reaches the policy; fail at once when any one
    reaches a fail-on status. Returns the set as last read.

    Each poll is one ``read_all``. The set's verdict is that of its deciding task, so
    ``wait`` runs the loop, the timeout and the errors exactly as for one task; an
    empty set has nothing to wait for.
    """
    latest: tuple[MetadataTask, ...] = ()

    def read() -> MetadataTask:
        nonlocal latest
        latest = tuple(read_all())
        decider = deciding_task(latest, policy)
        if decider is None:  # nothing matches: nothing to wait for
            return MetadataTask(id="", name="", start_date="", status=policy.wait_for[0], type="")
        return decider

    wait(read, policy, clock=clock, sleep=sleep)
    return latest
