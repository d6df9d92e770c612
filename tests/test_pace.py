"""The pace of a listing (pace.py): AIMD on 429, and a pause for Retry-After."""

from __future__ import annotations

import threading

import pytest

from pulumi_rocketmq_migration.pace import Pace


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_429_halves_the_requests_in_flight_once_per_retry_after():
    clock = Clock()
    pace = Pace(7, clock)
    pace.throttled(1.0)
    assert (pace.limit, pace.throttles) == (3, 1)
    clock.now = 100.5
    pace.throttled(1.0)  # within the same pause: counted, not halved again
    assert (pace.limit, pace.throttles) == (3, 2)
    clock.now = 101.0  # the pause is over at exactly Retry-After
    pace.throttled(1.0)
    assert pace.limit == 1
    clock.now = 110.0
    pace.throttled(1.0)
    assert pace.limit == 1  # never below one


def test_a_429_without_retry_after_still_halves_at_most_every_fifty_milliseconds():
    clock = Clock()
    pace = Pace(8, clock)
    pace.throttled(0.0)
    pace.throttled(0.0)
    assert pace.limit == 4
    clock.now = 100.06
    pace.throttled(0.0)
    assert pace.limit == 2


def test_answered_requests_win_back_one_in_flight_per_window():
    pace = Pace(8, Clock())
    stopped = threading.Event()

    def requests(n, answered):
        for _ in range(n):
            assert pace.acquire(stopped)
            pace.release(answered)

    requests(3, True)  # answers at the ceiling are not saved up
    pace.throttled(0.0)
    assert pace.limit == 4
    requests(3, True)
    assert pace.limit == 4
    requests(1, True)
    assert pace.limit == 5
    requests(10, False)  # a request that got no answer wins nothing back
    assert pace.limit == 5
    requests(4, True)  # a new window: five answers for the sixth slot
    assert pace.limit == 5
    requests(1, True)
    assert pace.limit == 6
    requests(100, True)
    assert pace.limit == 8  # never above the ceiling


def waiter(pace, stopped):
    got = []
    thread = threading.Thread(target=lambda: got.append(pace.acquire(stopped)), daemon=True)
    thread.start()
    thread.join(0.3)
    return thread, got


@pytest.mark.parametrize(
    ("hold", "throttles", "limit"),
    [("throttled", 1, 2), ("pause", 0, 4)],
    ids=["429", "pause after giving up on a page: neither counted nor halved"],
)
def test_no_request_starts_before_the_pause_is_over(hold, throttles, limit):
    clock = Clock()
    pace = Pace(4, clock)
    getattr(pace, hold)(2.0)
    assert (pace.throttles, pace.limit) == (throttles, limit)
    thread, got = waiter(pace, threading.Event())
    assert got == []
    clock.now = 101.5  # half a second still to wait
    pace.wake()
    thread.join(0.3)
    assert got == []
    clock.now = 102.0
    pace.wake()
    thread.join(2)
    assert got == [True]


def test_requests_in_flight_never_exceed_the_limit_and_stop_with_the_listing():
    pace = Pace(2, Clock())
    stopped = threading.Event()
    assert pace.acquire(stopped) and pace.acquire(stopped)
    thread, got = waiter(pace, stopped)
    assert got == []
    pace.release(answered=True)
    thread.join(2)
    assert got == [True]
    thread, got = waiter(pace, stopped)
    stopped.set()
    pace.wake()
    thread.join(2)
    assert got == [False]


class CountingClock(Clock):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.now


def test_a_request_waiting_for_a_slot_sleeps_instead_of_spinning():
    """At the limit with no pause, a waiter sleeps until a slot frees: it looks at the
    clock once per wake, not in a loop that burns a core."""
    clock = CountingClock()
    pace = Pace(1, clock)
    stopped = threading.Event()
    assert pace.acquire(stopped)
    before = clock.calls
    thread, got = waiter(pace, stopped)
    assert got == [] and clock.calls - before <= 3
    pace.release(answered=True)
    thread.join(2)
    assert got == [True]


def test_a_waiter_notices_the_end_of_the_listing_even_if_nobody_wakes_it():
    pace = Pace(1, Clock())
    stopped = threading.Event()
    assert pace.acquire(stopped)
    thread, got = waiter(pace, stopped)
    stopped.set()  # and no wake(): the waiter looks again within half a second
    thread.join(0.9)
    assert got == [False]
