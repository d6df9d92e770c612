"""Temporary keys refreshed before they expire (credentials/refreshing.py), and expiry times."""

from __future__ import annotations

import time

import pytest

from pulumi_rocketmq_migration.credentials.keys import Credentials
from pulumi_rocketmq_migration.credentials.metadata import MetadataService
from pulumi_rocketmq_migration.credentials.refreshing import (
    MetadataUnavailable,
    RefreshingCredentials,
    fingerprint,
    parse_expiry,
)
from pulumi_rocketmq_migration.errors import (
    ServiceUnavailable,
)
from tests.test_credentials_metadata import metadata_answer


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2030-01-01T00:00:00Z", 1893456000.0),
        (" 2030-01-01T00:00:00.500000Z ", 1893456000.5),
        ("2030-01-01T00:00:00", 1893456000.0),
        ("2030-01-01T01:00:00+01:00", 1893456000.0),
    ],
)
def test_expiry_times(text, moment):
    assert parse_expiry(text) == moment


def test_an_expiry_without_a_zone_is_utc_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert parse_expiry("2030-01-01T00:00:00") == 1893456000.0
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_long_bad_expiry_is_cut():
    with pytest.raises(MetadataUnavailable) as caught:
        parse_expiry("x" * 50)
    assert str(caught.value) == f"credential.expires_at {'x' * 40!r} is not a time"


def iso(moment: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1e6):06d}Z"
    )


def temporary(expires_at: float | None) -> Credentials:
    return Credentials("OLD", "OLDSK", "OLDT", source="ECS metadata x", expires_at=expires_at)


def test_credentials_without_an_expiry_are_never_refreshed(scripted):
    service = scripted()
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(None))
    assert refreshing.current().access_key == "OLD"
    assert (refreshing.refreshes, service.seen, refreshing.kind) == (0, [], "aksk")
    assert repr(refreshing) == "RefreshingCredentials(source='ECS metadata x', secrets hidden)"


def test_refreshed_at_half_a_short_lifetime_and_not_before(scripted):
    # 500 s to live: refreshed at 250 s (half), not 600 s before expiry (which is now).
    service = scripted()
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(time.time() + 500))
    assert refreshing.current().access_key == "OLD" and service.seen == []
    # 1300 s to live: refreshed 600 s before expiry, so not yet.
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(time.time() + 1300))
    assert refreshing.current().access_key == "OLD" and service.seen == []


def test_refresh_timing_keeps_old_keys_while_valid_then_fails(scripted):
    start = time.time()
    service = scripted((500, b""), (200, metadata_answer(iso(start + 100))))
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(start + 0.8))
    assert refreshing.current().access_key == "OLD" and service.seen == []
    time.sleep(max(0.0, start + 0.45 - time.time()))  # past half the lifetime: due
    assert refreshing.current().access_key == "OLD"  # the refresh failed: old keys kept
    assert len(service.seen) == 1 and refreshing.refreshes == 0
    fresh = refreshing.current()  # due still: refreshed now
    assert (fresh.access_key, refreshing.refreshes, len(service.seen)) == ("MAK", 1, 2)
    assert refreshing.current() is fresh and len(service.seen) == 2  # not due for 50 s


def test_expired_keys_that_cannot_be_refreshed_are_a_service_error(scripted):
    service = scripted((500, b""))
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(time.time() - 1))
    with pytest.raises(ServiceUnavailable) as caught:
        refreshing.current()
    assert str(caught.value).startswith(
        "temporary credentials from ECS metadata x expired and could not be refreshed: HTTP 500"
    )


def test_fixed_sets_differ_by_their_key_or_token_refreshing_ones_by_identity(scripted):
    token = [fingerprint(Credentials(auth_token=t, source="env")) for t in ("t-1", "t-2")]
    assert token[0] != token[1] and "t-1" not in token[0]
    keys = fingerprint(Credentials(access_key="AK", secret_key="SK", source="env"))
    assert keys != fingerprint(Credentials(access_key="AK2", secret_key="SK", source="env"))
    service = MetadataService(scripted().url)
    first, second = (RefreshingCredentials(service, temporary(None)) for _ in range(2))
    assert fingerprint(first) == fingerprint(first) != fingerprint(second)


def test_keys_that_live_under_a_second_are_not_due_at_once(scripted):
    """Half of a very short lifetime is the margin: keys with 0.3 s left, just fetched,
    are used as they are (the service is not asked)."""
    service = scripted()
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(time.time() + 0.3))
    assert refreshing.current().access_key == "OLD" and service.seen == []
