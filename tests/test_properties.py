"""Properties: whatever goes in, the result is a value or the package's typed error.

Nothing else may escape the query builder, duration parsing, wait policies, or the
id and name checks: no TypeError, AttributeError or OverflowError reaching a user as
a traceback.
"""

from __future__ import annotations

import contextlib
import unicodedata
from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from pulumi_rocketmq_migration import signer
from pulumi_rocketmq_migration.client import MAX_PAGE_SIZE, metadata_query
from pulumi_rocketmq_migration.errors import InvalidRequest, TaskFailed
from pulumi_rocketmq_migration.identifiers import (
    MAX_IDENTIFIER_LENGTH,
    check_header_value,
    check_identifier,
    check_name,
)
from pulumi_rocketmq_migration.models import STATUSES, TaskFilter
from pulumi_rocketmq_migration.waiting import MAX_DURATION, WaitPolicy, parse_duration

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**5000), max_value=10**5000),
    st.floats(),
    st.text(),
    st.text(alphabet="0123456789.hms \t", max_size=12),
    st.binary(),
    st.lists(st.text(max_size=3), max_size=3),
    st.sampled_from([".", "..", "vhost", "exchange", "queue", "all", "t1", "v1-e1", "9" * 400]),
)
STATUS_LIKE = st.one_of(ANYTHING, st.sampled_from(STATUSES), st.lists(st.sampled_from(STATUSES)))


@given(task_id=ANYTHING, kind=ANYTHING, vhost=ANYTHING, page=ANYTHING, page_size=ANYTHING)
def test_the_query_builder_returns_pairs_that_survive_encoding_or_refuses(
    task_id, kind, vhost, page, page_size
):
    try:
        query = metadata_query(
            task_id=task_id, kind=kind, vhost=vhost, page=page, page_size=page_size
        )
    except InvalidRequest:
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in query)
    assert parse_qsl(signer.encode_query(query), keep_blank_values=True) == query
    limits = dict(query)
    assert 1 <= int(limits.get("limit", "1")) <= MAX_PAGE_SIZE


@given(value=ANYTHING)
def test_a_duration_is_seconds_in_range_or_refused(value):
    try:
        seconds = parse_duration("timeout", value)
    except InvalidRequest as error:
        assert error.field == "timeout"
        return
    assert 0 <= seconds <= MAX_DURATION


@given(hours=st.integers(0, 100), minutes=st.integers(0, 600), seconds=st.integers(0, 6000))
def test_written_durations_mean_what_they_say(hours, minutes, seconds):
    text = f"{hours}h{minutes}m{seconds}s"
    total = hours * 3600 + minutes * 60 + seconds
    if total <= MAX_DURATION:
        assert parse_duration("timeout", text) == total
        assert parse_duration("timeout", f"{minutes}m{seconds}s") == minutes * 60 + seconds


@given(wait_for=STATUS_LIKE, fail_on=STATUS_LIKE, timeout=ANYTHING, interval=ANYTHING)
def test_a_wait_policy_is_valid_or_refused(wait_for, fail_on, timeout, interval):
    try:
        policy = WaitPolicy.build(wait_for, fail_on, timeout=timeout, interval=interval)
    except InvalidRequest:
        return
    assert not set(policy.wait_for) & set(policy.fail_on)
    assert "failed" in policy.wait_for + policy.fail_on
    assert policy.interval >= 1


@given(value=ANYTHING)
def test_ids_and_names_are_checked_without_surprises(value):
    for check in (check_identifier, check_name):
        try:
            assert check("instance_id", value) == value
        except InvalidRequest as error:
            assert error.field == "instance_id"
            continue
        assert value.strip() and len(value) <= MAX_IDENTIFIER_LENGTH
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in value)


@given(value=st.text())
def test_a_header_value_is_printable_ascii_or_refused_without_being_shown(value):
    try:
        check_header_value("security_token", value)
    except InvalidRequest as error:
        assert error.field == "security_token"
        assert len(value) < 8 or value not in str(error)
        return
    assert value.isascii() and value.isprintable()


@given(task_type=ANYTHING, name=ANYTHING, status=ANYTHING)
def test_a_filter_is_valid_or_refused(task_type, name, status):
    with contextlib.suppress(InvalidRequest):
        TaskFilter(task_type=task_type, name=name, status=status)


def test_typed_errors_are_the_only_ones():
    assert issubclass(InvalidRequest, ValueError)  # callers may still catch ValueError
    assert not issubclass(TaskFailed, ValueError)
