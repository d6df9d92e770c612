"""Listings against the emulator over real HTTP: complete, in order, bounded, shared."""

from __future__ import annotations

import math
import threading
import time

import pytest

from pulumi_rocketmq_migration.client import MigrationClient, RetryPolicy
from pulumi_rocketmq_migration.emulator import Faults
from pulumi_rocketmq_migration.errors import InvalidRequest, NotFound, ServiceUnavailable
from pulumi_rocketmq_migration.listing import (
    ListingPolicy,
    Listings,
    aligned_size,
    planned_pages,
    read_listing,
    read_tasks,
)

from .conftest import INSTANCE_ID, scenario, settings_for

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
    assert listing.throttles >= 1
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


# -- the concurrency setting -------------------------------------------------------


def test_concurrency_comes_from_the_option_then_stack_config_then_the_environment():
    config = {"huaweicloud:maxConcurrency": "4"}
    environ = {"HW_MAX_CONCURRENCY": "2"}
    assert ListingPolicy.resolve(3, config, environ).concurrency == 3
    assert ListingPolicy.resolve(None, config, environ).concurrency == 4
    assert ListingPolicy.resolve(None, {"huaweicloud:max_concurrency": "5"}).concurrency == 5
    assert ListingPolicy.resolve(None, {}, environ).concurrency == 2
    assert ListingPolicy.resolve(None, {}, {}).concurrency == 8


@pytest.mark.parametrize("value", [0, 33, -1, "many", "1.5", True, "٣"])
def test_a_bad_concurrency_is_refused_naming_where_it_came_from(value):
    with pytest.raises(InvalidRequest) as caught:
        ListingPolicy.resolve(value)
    assert caught.value.field == "concurrency"
    with pytest.raises(InvalidRequest) as caught:
        ListingPolicy.resolve(None, {"huaweicloud:maxConcurrency": value})
    assert caught.value.field == "huaweicloud:maxConcurrency"
    with pytest.raises(InvalidRequest) as caught:
        ListingPolicy.resolve(None, {}, {"HW_MAX_CONCURRENCY": str(value)})
    assert caught.value.field == "$HW_MAX_CONCURRENCY"


# -- sharing -----------------------------------------------------------------------


def test_concurrent_identical_listings_are_read_once(serve):
    emulator = serve(MANY, Faults(latency_seconds=0.2))
    listings = Listings()
    results = []
    with MigrationClient(settings_for(emulator)) as client:

        def read():
            results.append(listings.tasks(client, INSTANCE_ID))

        readers = [threading.Thread(target=read) for _ in range(4)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
    assert len(results) == 4 and all(r == results[0] for r in results)
    assert len(results[0]) == 137
    assert listings.listings == 1
    assert len(list_requests(emulator)) == 3


def test_a_finished_listing_serves_names_for_a_few_seconds_only(serve):
    emulator = serve(MANY)
    now = [100.0]
    listings = Listings(clock=lambda: now[0])
    with MigrationClient(settings_for(emulator)) as client:
        tasks = listings.tasks(client, INSTANCE_ID)
        for task in tasks[:5]:
            assert listings.task_id_for(client, INSTANCE_ID, None, task.name) == task.id
        assert listings.listings == 1
        # A listing is shared for names, never for a set's statuses.
        listings.tasks(client, INSTANCE_ID)
        assert listings.listings == 2
        now[0] += 6
        listings.find_by_name(client, INSTANCE_ID, tasks[0].name)
        assert listings.listings == 3


def test_a_name_missing_from_a_recent_listing_is_looked_up_afresh(serve):
    emulator = serve(MANY)
    listings = Listings()
    with MigrationClient(settings_for(emulator)) as client:
        listings.tasks(client, INSTANCE_ID)
        with pytest.raises(NotFound, match="no migration task named 'nope'"):
            listings.find_by_name(client, INSTANCE_ID, "nope")
    assert listings.listings == 2


def test_a_failed_listing_is_not_shared_afterwards(serve):
    emulator = serve(MANY, Faults(server_errors=50))
    listings = Listings()
    policy = RetryPolicy(max_retries=0, deadline=5)
    with MigrationClient(settings_for(emulator), retry=policy) as client:
        with pytest.raises(ServiceUnavailable):
            listings.tasks(client, INSTANCE_ID)
        emulator.set_faults(Faults())
        assert len(listings.tasks(client, INSTANCE_ID, reuse=5)) == 137
