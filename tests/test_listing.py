"""Listings against the emulator over real HTTP: complete, in order, bounded."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
import threading
import time

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from pulumi_rocketmq_migration.client import MigrationClient, RetryPolicy
from pulumi_rocketmq_migration.emulator import Faults
from pulumi_rocketmq_migration.emulator.api import Service
from pulumi_rocketmq_migration.errors import InvalidRequest, ServiceUnavailable
from pulumi_rocketmq_migration.listing import (
    ListingPolicy,
    aligned_size,
    planned_pages,
    read_listing,
    read_tasks,
)
from pulumi_rocketmq_migration.models import TaskPage
from pulumi_rocketmq_migration.sharing import Listings

from .conftest import (
    ACCESS_KEY,
    INSTANCE_ID,
    PROJECT_ID,
    SECRET_KEY,
    scenario,
    settings_for,
)

SIXTY = scenario(generate={"count": 60, "type": "rocketmq", "status": "finished"})
MANY = scenario(generate={"count": 137, "type": "rocketmq", "status": "finished"})
SEQUENTIAL = ListingPolicy(concurrency=1)
CONCURRENT = ListingPolicy(concurrency=8)


def list_requests(emulator):
    return [dict(r.query) for r in emulator.requests if "id" not in dict(r.query)]


def truth(serve, scene):
    """The tasks as a sequential read of a fault-free emulator sees them."""
    with MigrationClient(settings_for(serve(scene))) as client:
        return read_tasks(client, INSTANCE_ID, SEQUENTIAL)


# -- total is a hint ---------------------------------------------------------------


@pytest.mark.parametrize("policy", [SEQUENTIAL, CONCURRENT], ids=["sequential", "concurrent"])
def test_a_short_total_loses_no_task(serve, policy):
    """The service says 30 of 60: reading goes on until a page brings nothing new."""
    emulator = serve(SIXTY, Faults(inconsistent_total=-30))
    with MigrationClient(settings_for(emulator)) as client:
        tasks = read_tasks(client, INSTANCE_ID, policy)
    assert tasks == truth(serve, SIXTY)
    assert len(tasks) == 60
    if policy is SEQUENTIAL:  # one page at a time: page 1 (full), page 2 (the tail)
        assert len(list_requests(emulator)) == 2


def test_a_task_on_page_two_is_found_by_name_despite_a_short_total(serve):
    emulator = serve(SIXTY, Faults(inconsistent_total=-30))
    with MigrationClient(settings_for(emulator)) as client:
        on_page_two = truth(serve, SIXTY)[55]
        assert Listings().find_by_name(client, INSTANCE_ID, on_page_two.name) == on_page_two


@pytest.mark.parametrize("policy", [SEQUENTIAL, CONCURRENT], ids=["sequential", "concurrent"])
@pytest.mark.parametrize(
    "faults",
    [
        Faults(total_drift=10),
        Faults(total_drift=-3),
        Faults(inconsistent_total=500),
        Faults(limit_cap=7),
        Faults(limit_cap=7, total_drift=10),
        Faults(limit_cap=7, inconsistent_total=-100),
    ],
    ids=["drift-up", "drift-down", "over", "cap-7", "cap-7-drift", "cap-7-short"],
)
def test_faulty_totals_and_caps_give_exactly_the_sequential_result(serve, policy, faults):
    emulator = serve(MANY, faults)
    with MigrationClient(settings_for(emulator)) as client:
        listing = read_listing(client, INSTANCE_ID, policy)
    assert listing.tasks == truth(serve, MANY)
    # Pages still in flight when the tail was found are abandoned, not awaited: they
    # may reach the emulator's record a moment after the listing returns.
    settle_by = time.monotonic() + 5
    while len(list_requests(emulator)) < listing.requests and time.monotonic() < settle_by:
        time.sleep(0.01)
    assert listing.requests == len(list_requests(emulator))
    size = faults.limit_cap or 50
    # Never endless: what is read past the tail is bounded by the concurrency.
    assert listing.requests <= math.ceil(137 / size) + 2 * policy.concurrency


@pytest.mark.parametrize("count", [0, 3, 50, 137, 150])
def test_an_honest_total_costs_its_pages_and_at_most_one_more(serve, count):
    scene = scenario(generate={"count": count, "type": "rocketmq", "status": "finished"})
    emulator = serve(scene)
    with MigrationClient(settings_for(emulator)) as client:
        listing = read_listing(client, INSTANCE_ID, CONCURRENT)
    assert len(listing.tasks) == count
    expected = max(1, planned_pages(count, 50))
    if 0 < count < 50:
        expected = 2  # a short first page may be a cap: page 2 tells (rule 3)
    assert len(list_requests(emulator)) == listing.requests == expected


@pytest.mark.parametrize("policy", [SEQUENTIAL, CONCURRENT], ids=["sequential", "concurrent"])
@pytest.mark.parametrize("cap", [7, 4, 3, 1])
def test_a_cap_that_appears_late_realigns_and_loses_nothing(serve, cap, policy):
    """Pages of 10, then a cap: page 3 of a smaller size repeats some or all of 0..19."""
    emulator = serve(MANY)

    class CapAfterTwoPages:
        def __init__(self, client):
            self.client = client
            self.settings = client.settings
            self.page_size = client.page_size
            self.pages = 0

        def list_page(self, instance_id, page, page_size):
            self.pages += 1
            if self.pages == 3:
                emulator.set_faults(Faults(limit_cap=cap))
            return self.client.list_page(instance_id, page, page_size)

    with MigrationClient(settings_for(emulator), page_size=10) as client:
        tasks = read_tasks(CapAfterTwoPages(client), INSTANCE_ID, policy)
    assert tasks == truth(serve, MANY)
    if policy is SEQUENTIAL:
        # Pages 1 to 3, pages of the cap from task 20 on, and a few to grow back to it.
        assert len(list_requests(emulator)) <= 3 + math.ceil((137 - 20) / cap) + cap


@pytest.mark.parametrize(
    ("read", "most", "size"), [(20, 3, 2), (21, 7, 7), (20, 7, 5), (17, 5, 1), (24, 50, 24)]
)
def test_the_aligned_size_is_the_largest_whose_pages_start_where_reading_stopped(read, most, size):
    assert aligned_size(read, most) == size


# -- concurrency -------------------------------------------------------------------


def test_pages_after_the_first_are_fetched_at_once(serve):
    emulator = serve(MANY, Faults(latency_seconds=0.3))
    with MigrationClient(settings_for(emulator), page_size=10) as client:
        started = time.monotonic()
        tasks = read_tasks(client, INSTANCE_ID, ListingPolicy(concurrency=4))
        took = time.monotonic() - started
    assert len(tasks) == 137
    received = sorted(r.time for r in emulator.requests)
    # Page 1 alone, then 13 more pages four at a time: four rounds, not thirteen.
    assert received[4] - received[1] < 0.25
    assert took < 0.3 * 8


def test_a_429_storm_slows_down_and_still_reads_every_task(serve):
    emulator = serve(MANY, Faults(throttle=12, retry_after=1))
    policy = RetryPolicy(max_retries=1, backoff_factor=0.01, backoff_jitter=0.0, deadline=20)
    with MigrationClient(settings_for(emulator), page_size=10, retry=policy) as client:
        started = time.monotonic()
        listing = read_listing(client, INSTANCE_ID, ListingPolicy(concurrency=8, deadline=30))
        took = time.monotonic() - started
    assert listing.tasks == truth(serve, MANY)
    assert listing.throttles == 12  # every 429, counted once
    # Halved down to one at the storm, then won back page by page once it passed.
    assert 2 <= listing.final_concurrency < 8
    statuses = [r.status for r in emulator.requests]
    assert statuses.count(429) == 12
    # Retry-After was honoured: nothing was sent in the second after the first 429.
    first_429 = min(r.time for r in emulator.requests if r.status == 429)
    answered = [r.time for r in emulator.requests if r.status == 200 and r.time > first_429]
    assert min(answered) - first_429 >= 0.9
    assert took < 30


def test_the_listing_deadline_bounds_the_whole_listing(serve):
    emulator = serve(MANY, Faults(latency_seconds=1.0))
    with MigrationClient(settings_for(emulator), page_size=10) as client:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable, match="not complete after"):
            read_tasks(client, INSTANCE_ID, ListingPolicy(concurrency=2, deadline=1.5))
        assert time.monotonic() - started < 1.8


def test_a_listing_well_within_a_short_deadline_is_complete(serve):
    emulator = serve(MANY)
    with MigrationClient(settings_for(emulator), page_size=10) as client:
        assert len(read_tasks(client, INSTANCE_ID, ListingPolicy(deadline=0.9))) == 137


def test_a_program_whose_listing_passed_its_deadline_exits_at_once(serve):
    """Requests still in flight at the listing's deadline do not hold the process."""
    emulator = serve(MANY, Faults(hang=50))
    program = f"""
from pulumi_rocketmq_migration.client import MigrationClient, RetryPolicy
from pulumi_rocketmq_migration.errors import ServiceUnavailable
from pulumi_rocketmq_migration.listing import ListingPolicy, read_tasks
from pulumi_rocketmq_migration.settings import Credentials, Settings
settings = Settings(
    endpoint={emulator.base_url!r}, project_id={PROJECT_ID!r}, read_timeout=60.0,
    credentials=Credentials(access_key={ACCESS_KEY!r}, secret_key={SECRET_KEY!r}),
)
client = MigrationClient(settings, retry=RetryPolicy(max_retries=0, deadline=60))
try:
    read_tasks(client, {INSTANCE_ID!r}, ListingPolicy(deadline=0.5))
except ServiceUnavailable as exc:
    print(exc)
"""
    started = time.monotonic()
    # The child imports this package from where this process does (make mutate's copy).
    path = {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **path},
    )
    assert "not complete after" in done.stdout, done.stderr
    assert time.monotonic() - started < 10


def test_requests_in_flight_at_the_deadline_are_left_to_daemon_workers(serve):
    """What the subprocess test shows from outside, seen from inside: the workers still
    waiting on a hung server are daemon threads, named for a stack dump."""
    emulator = serve(MANY, Faults(hang=50))
    retry = RetryPolicy(max_retries=0, deadline=5)
    with MigrationClient(settings_for(emulator, read_timeout=5.0), retry=retry) as client:
        with pytest.raises(ServiceUnavailable, match="not complete after"):
            read_tasks(client, INSTANCE_ID, ListingPolicy(concurrency=3, deadline=0.3))
        left = [t for t in threading.enumerate() if t.name.startswith("listing-")]
        assert left and all(t.daemon for t in left)
        assert {t.name for t in left} <= {"listing-0", "listing-1", "listing-2"}


# -- the concurrency setting -------------------------------------------------------


def test_concurrency_comes_from_the_option_then_stack_config_then_the_environment():
    config = {"huaweicloud:maxConcurrency": "4"}
    environ = {"HW_MAX_CONCURRENCY": "2"}
    assert ListingPolicy.resolve(3, config, environ).concurrency == 3
    assert ListingPolicy.resolve(None, config, environ).concurrency == 4
    assert ListingPolicy.resolve(None, {"huaweicloud:max_concurrency": "5"}).concurrency == 5
    assert ListingPolicy.resolve(None, {}, environ).concurrency == 2
    assert ListingPolicy.resolve(None, {}, {}).concurrency == 8


def test_an_empty_setting_is_passed_over_for_the_next_place():
    config = {"huaweicloud:maxConcurrency": "", "huaweicloud:max_concurrency": "6"}
    assert ListingPolicy.resolve("", config, {"HW_MAX_CONCURRENCY": "2"}).concurrency == 6
    assert ListingPolicy.resolve(None, {"huaweicloud:maxConcurrency": ""}, {}).concurrency == 8


@pytest.mark.parametrize("value", [1, "1", 32, " 32 "])
def test_concurrency_takes_one_to_thirty_two_inclusive(value):
    assert ListingPolicy(concurrency=value).concurrency == int(value)


@pytest.mark.parametrize("value", [0, 33, -1, "many", "1.5", True, "٣"])
def test_a_bad_concurrency_is_refused_naming_where_it_came_from(value):
    with pytest.raises(InvalidRequest) as caught:
        ListingPolicy(concurrency=value)
    assert caught.value.field == "concurrency"
    assert caught.value.problem == (
        f"must be a whole number from 1 (one request at a time) to 32, got {value!r}"
    )
    with pytest.raises(InvalidRequest) as caught:
        ListingPolicy.resolve(value)
    assert caught.value.field == "concurrency"
    with pytest.raises(InvalidRequest) as caught:
        ListingPolicy.resolve(None, {"huaweicloud:maxConcurrency": value})
    assert caught.value.field == "huaweicloud:maxConcurrency"
    with pytest.raises(InvalidRequest) as caught:
        ListingPolicy.resolve(None, {}, {"HW_MAX_CONCURRENCY": str(value)})
    assert caught.value.field == "$HW_MAX_CONCURRENCY"
    assert caught.value.problem.startswith("must be a whole number from 1")


def test_a_wait_cuts_the_listing_deadline_to_the_time_it_has_left():
    policy = ListingPolicy(concurrency=3, deadline=600)
    assert policy.within(42.5) == ListingPolicy(concurrency=3, deadline=42.5)
    assert policy.within(900).deadline == 600
    assert policy.within(-1).deadline == 0.0


# -- the rules, in process: any cap, any total, any concurrency -------------------


class InProcessPages:
    """The emulator's own paging (``emulator.api.Service``) called without HTTP, so
    that hypothesis can try thousands of listings.

    ``cap`` (the fault limit_cap) appears after ``cap_after`` requests; ``total_offset``
    misreports ``total``; ``repeat_first`` answers page 1 whatever page is asked for;
    ``oldest_first`` turns each page round.
    """

    settings = None  # no connection: what a shared listing is keyed by

    def __init__(
        self,
        count,
        page_size=50,
        *,
        cap=None,
        cap_after=0,
        total_offset=0,
        repeat_first=False,
        oldest_first=False,
        tasks=None,
    ):
        body = {"generate": {"count": count, "type": "rocketmq", "status": "finished"}}
        self.service = Service(scenario(tasks, **({} if tasks else body)))
        self.page_size = page_size
        self.cap, self.cap_after, self.total_offset = cap, cap_after, total_offset
        self.repeat_first, self.oldest_first = repeat_first, oldest_first
        self.requests = 0
        self._lock = threading.Lock()

    def list_page(self, instance_id, page, page_size):
        with self._lock:
            self.requests += 1
            cap = self.cap if self.requests > self.cap_after else None
        query = [("offset", "1" if self.repeat_first else str(page)), ("limit", str(page_size))]
        answer = self.service.answer(
            instance_id, query, page_cap=cap, total_offset=lambda: self.total_offset
        )
        assert answer.status == 200, answer.body
        found = TaskPage.from_json(answer.body)
        return TaskPage(found.total, found.tasks[::-1]) if self.oldest_first else found


def every_task(count):
    """The tasks an honest server holds, read page by page until an empty one."""
    service = Service(scenario(generate={"count": count, "type": "rocketmq", "status": "finished"}))
    tasks = []
    for page in itertools.count(1):
        answer = service.answer(INSTANCE_ID, [("offset", str(page)), ("limit", "50")])
        found = TaskPage.from_json(answer.body).tasks
        if not found:
            return tuple(tasks)
        tasks += found


def sequential_cost(count, size):
    """Requests a sequential read of an honest server makes: rule 3's page 2 for a
    short first page, one more page when the last one is full."""
    if 0 < count < size:
        return 2
    return planned_pages(count, size)


@hypothesis_settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(0, 260),
    size=st.integers(1, 50),
    cap=st.none() | st.integers(1, 50),
    cap_after=st.integers(0, 6),
    total_offset=st.integers(-300, 300),
    concurrency=st.integers(1, 8),
)
def test_any_cap_total_and_concurrency_give_every_task_once_in_order(
    count, size, cap, cap_after, total_offset, concurrency
):
    total_offset = max(total_offset, -count)  # a negative total is refused (models.py)
    source = InProcessPages(count, size, cap=cap, cap_after=cap_after, total_offset=total_offset)
    policy = ListingPolicy(concurrency=concurrency, deadline=10)
    listing = read_listing(source, INSTANCE_ID, policy)
    assert listing.tasks == every_task(count)
    if cap is None or cap >= size:  # no page is ever cut: the cost is known
        least = sequential_cost(count, size)
        assert least <= listing.requests <= least + (2 * concurrency - 1)
        if concurrency == 1:
            assert listing.requests == least


def test_a_server_that_answers_page_one_to_every_page_is_read_twice_not_forever():
    source = InProcessPages(137, repeat_first=True)
    listing = read_listing(source, INSTANCE_ID, SEQUENTIAL)
    assert listing.tasks == every_task(137)[:50]
    assert listing.requests == 2


@pytest.mark.parametrize(
    ("total", "size", "pages"), [(0, 50, 1), (49, 50, 1), (50, 50, 2), (51, 50, 2), (100, 50, 3)]
)
def test_planned_pages_add_one_when_the_last_promised_page_is_full(total, size, pages):
    assert planned_pages(total, size) == pages
