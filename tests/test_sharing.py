"""Listings shared within one process (sharing.py): single flight, short reuse, by name."""

from __future__ import annotations

import threading
import time

import pytest

from pulumi_rocketmq_migration.client import MigrationClient, RetryPolicy
from pulumi_rocketmq_migration.emulator import Faults, Scenario
from pulumi_rocketmq_migration.errors import InvalidRequest, NotFound, ServiceUnavailable
from pulumi_rocketmq_migration.listing import ListingPolicy
from pulumi_rocketmq_migration.sharing import Listings

from .conftest import INSTANCE_ID, settings_for, task
from .test_listing import MANY, InProcessPages, list_requests


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


def test_callers_who_joined_a_failing_listing_all_get_its_error(serve):
    emulator = serve(MANY, Faults(server_errors=50, latency_seconds=0.3))
    listings = Listings()
    outcomes = []
    with MigrationClient(settings_for(emulator), retry=RetryPolicy(max_retries=0)) as client:

        def read():
            try:
                outcomes.append(listings.tasks(client, INSTANCE_ID))
            except ServiceUnavailable as exc:
                outcomes.append(exc)

        first = threading.Thread(target=read)
        first.start()
        time.sleep(0.1)  # the second caller joins the listing in flight
        read()
        first.join()
    assert [type(o) for o in outcomes] == [ServiceUnavailable, ServiceUnavailable]
    assert listings.listings == 1


def test_a_missing_name_costs_one_listing_when_that_listing_is_new(serve):
    emulator = serve(MANY, Faults(latency_seconds=0.3))
    with MigrationClient(settings_for(emulator)) as client:
        listings = Listings()
        with pytest.raises(NotFound):
            listings.find_by_name(client, INSTANCE_ID, "nope")
        assert listings.listings == 1
        # A caller who joined a listing in flight is not sent round again either.
        listings = Listings()
        reader = threading.Thread(target=listings.tasks, args=(client, INSTANCE_ID))
        reader.start()
        time.sleep(0.1)
        with pytest.raises(NotFound):
            listings.find_by_name(client, INSTANCE_ID, "nope")
        reader.join()
        assert listings.listings == 1


def test_a_listing_is_reused_up_to_exactly_its_age_limit(serve):
    emulator = serve(MANY)
    now = [100.0]
    listings = Listings(clock=lambda: now[0])
    with MigrationClient(settings_for(emulator)) as client:
        name = listings.tasks(client, INSTANCE_ID)[3].name
        now[0] = 100.5
        listings.tasks(client, INSTANCE_ID, reuse=0.5)
        assert listings.listings == 1
        now[0] = 105.0
        listings.find_by_name(client, INSTANCE_ID, name)
        assert listings.listings == 1
        now[0] = 105.001
        listings.find_by_name(client, INSTANCE_ID, name)
        assert listings.listings == 2


def test_a_name_is_resolved_within_its_own_instance(serve):
    other = "99999999-8888-7777-6666-555555555555"
    ours, theirs = "c1100000-0000-4000-8000-00000000000a", "c1100000-0000-4000-8000-00000000000b"
    scene = Scenario.from_dict(
        {
            "instances": [
                {"id": INSTANCE_ID, "tasks": [task(ours, "orders-sync")]},
                {"id": other, "tasks": [task(theirs, "orders-sync")]},
            ]
        }
    )
    emulator = serve(scene)
    listings = Listings()
    with MigrationClient(settings_for(emulator)) as client:
        assert listings.task_id_for(client, INSTANCE_ID, None, "orders-sync") == ours
        assert listings.task_id_for(client, other, None, "orders-sync") == theirs
    assert listings.listings == 2


def test_shared_listings_keep_the_callers_listing_policy(serve):
    """A deadline shorter than one page's latency must stop every kind of call."""
    emulator = serve(MANY, Faults(latency_seconds=0.3))
    short = ListingPolicy(deadline=0.1)
    with MigrationClient(settings_for(emulator)) as client:
        reads = [
            lambda listings: listings.tasks(client, INSTANCE_ID, short),
            lambda listings: listings.find_by_name(client, INSTANCE_ID, "nope", short),
            lambda listings: listings.task_id_for(client, INSTANCE_ID, None, "nope", short),
        ]
        for read in reads:
            with pytest.raises(ServiceUnavailable, match="not complete after"):
                read(Listings())
        # A name missing from a recent listing is looked up again under that policy too.
        listings = Listings()
        listings.tasks(client, INSTANCE_ID)
        with pytest.raises(ServiceUnavailable, match="not complete after"):
            listings.find_by_name(client, INSTANCE_ID, "nope", short)


@pytest.mark.parametrize("name", ["", "   ", None, 5])
def test_a_name_must_be_a_non_empty_string(serve, name):
    emulator = serve(MANY)
    with MigrationClient(settings_for(emulator)) as client, pytest.raises(InvalidRequest) as caught:
        Listings().find_by_name(client, INSTANCE_ID, name)
    assert (caught.value.field, caught.value.problem) == ("name", "must be a non-empty string")
    assert emulator.requests == []


def test_a_task_is_asked_for_by_its_id_or_its_name_never_both(serve):
    emulator = serve(MANY)
    both = pytest.raises(InvalidRequest, match="give exactly one of task_id and name")
    with MigrationClient(settings_for(emulator)) as client, both:
        Listings().task_id_for(client, INSTANCE_ID, "c1100000", "orders-sync")
    assert emulator.requests == []


def test_the_newest_task_of_a_name_wins_whatever_the_order_served():
    tasks = [
        task(
            "c1100000-0000-4000-8000-000000000001", "nightly", start_date="2024-05-20 10:00:00.00"
        ),
        task(
            "c1100000-0000-4000-8000-000000000002", "nightly", start_date="2024-05-21 10:00:00.00"
        ),
        task("c1100000-0000-4000-8000-000000000003", "other", start_date="2024-05-22 10:00:00.00"),
    ]
    for oldest_first in (False, True):
        source = InProcessPages(0, tasks=tasks, oldest_first=oldest_first)
        found = Listings().find_by_name(source, INSTANCE_ID, "nightly")
        assert found.id == "c1100000-0000-4000-8000-000000000002"
