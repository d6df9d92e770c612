"""Waiting for a task to reach a status: poll, stop on a fail-on status, time out.

The policy is a value; the loop takes its clock and sleep as arguments, so that
the lookup, the CLI and the tests share one loop and tests need no real waiting.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

import attrs

from .errors import InvalidRequest, TaskFailed, WaitTimeout
from .models import STATUSES, MetadataTask

_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")


def parse_duration(field: str, value: str | float | int) -> float:
    """Seconds from ``90``, ``90s``, ``10m``, ``1h30m``; names ``field`` when it is not one."""
    if isinstance(value, bool):
        raise InvalidRequest(field, f"{value!r} is not a duration such as 90s, 10m or 1h30m")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        match = _DURATION.match(value.strip().lower())
        if not value.strip() or not match:
            raise InvalidRequest(field, f"{value!r} is not a duration such as 90s, 10m or 1h30m")
        hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    if seconds < 0 or seconds != seconds or seconds == float("inf"):
        raise InvalidRequest(field, f"must be a finite duration of 0 or more, got {value!r}")
    return seconds


def check_statuses(field: str, values: Sequence[str]) -> tuple[str, ...]:
    for value in values:
        if value not in STATUSES:
            raise InvalidRequest(field, f"{value!r} is not one of {', '.join(STATUSES)}")
    return tuple(values)


@attrs.frozen
class WaitPolicy:
    """Wait until the status is one of ``wait_for``; fail at once on ``fail_on``."""

    wait_for: tuple[str, ...] = ("finished",)
    fail_on: tuple[str, ...] = ("failed",)
    timeout: float = 1800.0
    interval: float = 10.0

    @classmethod
    def build(
        cls,
        wait_for: Sequence[str] | str,
        fail_on: Sequence[str] | str | None = None,
        timeout: str | float = "30m",
        interval: str | float = "10s",
    ) -> WaitPolicy:
        """Check user input once; every error names the input it is about."""
        targets = check_statuses("wait_for", [wait_for] if isinstance(wait_for, str) else wait_for)
        if not targets:
            raise InvalidRequest("wait_for", "name at least one status to wait for")
        if fail_on is None:
            fails = tuple(s for s in ("failed",) if s not in targets)
        else:
            fails = check_statuses("fail_on", [fail_on] if isinstance(fail_on, str) else fail_on)
        overlap = set(targets) & set(fails)
        if overlap:
            raise InvalidRequest("fail_on", f"{', '.join(sorted(overlap))} is also in wait_for")
        seconds = parse_duration("timeout", timeout)
        every = parse_duration("poll_interval", interval)
        if every <= 0:
            raise InvalidRequest("poll_interval", "must be more than 0s")
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
    every read (for a live progress line).
    """
    start = clock()
    last_status: str | None = None
    while True:
        task = read()
        elapsed = clock() - start
        if task.status != last_status:
            last_status = task.status
            if on_change:
                on_change(task, elapsed)
        if on_poll:
            on_poll(task, elapsed)
        verdict = policy.verdict(task)
        if verdict == "reached":
            return task
        if verdict == "failed":
            raise TaskFailed(task.id, task.name, task.status)
        if elapsed >= policy.timeout:
            raise WaitTimeout(
                task.id, task.name, task.status, elapsed, " or ".join(policy.wait_for)
            )
        sleep(max(0.0, min(policy.interval, policy.timeout - elapsed)))


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
