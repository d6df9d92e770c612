"""The client against the emulator over real HTTP: pages, one task, errors and faults."""

from __future__ import annotations

import contextlib
import email.utils
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from pulumi_rocketmq_migration import limits
from pulumi_rocketmq_migration.client import (
    MAX_PAGE,
    MAX_PAGE_SIZE,
    MigrationClient,
    RetryPolicy,
    check_one_task,
    error_for,
    metadata_query,
    on_throttle,
    retry_after_seconds,
    tls_problem,
)
from pulumi_rocketmq_migration.emulator import Faults
from pulumi_rocketmq_migration.emulator.record import REDACTED
from pulumi_rocketmq_migration.errors import (
    AuthError,
    InvalidRequest,
    InvalidResponse,
    NotFound,
    ServiceError,
    ServiceUnavailable,
    Throttled,
)
from pulumi_rocketmq_migration.listing import read_tasks
from pulumi_rocketmq_migration.settings import Credentials, Settings
from pulumi_rocketmq_migration.sharing import Listings

from .conftest import ACCESS_KEY, INSTANCE_ID, PROJECT_ID, SECRET_KEY, scenario, settings_for, task

MANY = scenario(generate={"count": 137, "type": "rocketmq", "status": "finished"})


def listing_queries(emulator):
    return [dict(r.query) for r in emulator.requests if r.method == "GET"]


# -- request checks, before anything is sent ----------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"task_id": ""}, "id"),
        ({"kind": "topic", "task_id": "t"}, "type"),
        ({"kind": "vhost"}, "type"),
        ({"vhost": "v1"}, "name"),
        ({"task_id": "t", "kind": "exchange"}, "name"),
        ({"task_id": "t", "kind": "queue", "vhost": "novhostexchange"}, "name"),
        ({"page": 0}, "offset"),
        ({"page_size": 51}, "limit"),
        ({"page_size": True}, "limit"),
    ],
)
def test_bad_query_is_refused_naming_the_parameter(kwargs, field):
    with pytest.raises(InvalidRequest) as caught:
        metadata_query(**kwargs)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"task_id": "t", "kind": "topic"},
            "type: 'topic' is not one of vhost, exchange, queue, all",
        ),
        ({"kind": "all"}, "type: needs id: it selects the metadata of one task"),
        ({"vhost": "v"}, "name: needs type (exchange or queue): it is a vhost name"),
        ({"task_id": "t", "kind": "exchange", "vhost": 3}, "name: must be a string, got int"),
        (
            {"task_id": "t", "kind": "exchange", "vhost": ""},
            "name: must not be empty when type is exchange",
        ),
        (
            {"task_id": "t", "kind": "queue", "vhost": ""},
            "name: must not be empty when type is queue",
        ),
        (
            {"task_id": "t", "kind": "queue", "vhost": "v"},
            "name: for type queue it is vhost-exchange, e.g. vhost1-exchange1",
        ),
        ({"task_id": "t", "kind": "exchange"}, "name: required when type is exchange: the vhost"),
        ({"task_id": "t", "kind": "queue"}, "name: required when type is queue: vhost-exchange"),
        ({"page": 0}, "offset: must be a whole number from 1, got 0"),
        ({"page": MAX_PAGE + 1}, f"offset: must be at most {MAX_PAGE}, got {MAX_PAGE + 1}"),
        ({"page_size": 51}, "limit: must be at most 50, got 51"),
        ({"page_size": 1.0}, "limit: must be a whole number from 1, got 1.0"),
        ({"task_id": ".."}, "id: '..' is not an id: it is a path step"),
        (
            {"task_id": "a\u202eb"},
            "id: must not contain control or invisible characters; "
            "character 2 is U+202E (an invisible format character)",
        ),
    ],
)
def test_a_bad_query_is_refused_word_for_word(kwargs, message):
    with pytest.raises(InvalidRequest) as caught:
        metadata_query(**kwargs)
    assert str(caught.value) == message


def test_the_query_for_the_whole_metadata_and_vhost_kinds():
    assert metadata_query(task_id="t", kind="all") == [("id", "t"), ("type", "all")]
    assert metadata_query(task_id="t", kind="vhost", vhost="") == [
        ("id", "t"),
        ("type", "vhost"),
        ("name", ""),
    ]
    assert metadata_query(task_id="t", kind="exchange", vhost="/") == [
        ("id", "t"),
        ("type", "exchange"),
        ("name", "/"),
    ]
    assert metadata_query(page=MAX_PAGE, page_size=MAX_PAGE_SIZE) == [
        ("offset", str(MAX_PAGE)),
        ("limit", "50"),
    ]
    assert metadata_query() == []


def test_a_task_is_asked_for_by_exactly_one_of_id_and_name():
    check_one_task("t", None)
    check_one_task(None, "n")
    for both_or_neither in (("t", "n"), (None, None)):
        with pytest.raises(InvalidRequest) as caught:
            check_one_task(*both_or_neither)
        assert str(caught.value) == "task_id: give exactly one of task_id and name"


@pytest.mark.parametrize(
    ("status", "body", "kind", "text", "code"),
    [
        (
            404,
            b'{"error_code": "APIGW.0101", "error_msg": "no such API"}',
            NotFound,
            "i: no such API",
            "APIGW.0101",
        ),
        (
            400,
            b'{"error_code": "DMS.00405011", "error_msg": "gone"}',
            NotFound,
            "i: gone",
            "DMS.00405011",
        ),
        (
            401,
            b'{"code": "APIGW.0301", "message": "bad key"}',
            AuthError,
            "i: bad key",
            "APIGW.0301",
        ),
        (
            403,
            b'{"error_code": "APIGW.0302", "error_msg": "denied"}',
            AuthError,
            "i: denied",
            "APIGW.0302",
        ),
        (
            429,
            b'{"error_code": "APIGW.0308", "error_msg": "slow down"}',
            Throttled,
            "i: slow down",
            "APIGW.0308",
        ),
        (500, b"<html>oops</html>", ServiceUnavailable, "i: <html>oops</html>", None),
        (499, b"", ServiceError, "i: no error body", None),
        (400, b'{"error_code": "DMS.1"}', ServiceError, 'i: {"error_code": "DMS.1"}', "DMS.1"),
        (400, b"  x" + b"y" * 300, ServiceError, "i: x" + "y" * 197, None),
        (400, b"\xff\xfe", ServiceError, "i: \ufffd\ufffd", None),
        (400, b"[1, 2]", ServiceError, "i: [1, 2]", None),
    ],
)
def test_an_error_answer_is_typed_with_its_code_and_message(status, body, kind, text, code):
    error = error_for(status, body, "req-9", "i")
    assert type(error) is kind
    assert (error.status, error.code, error.request_id, error.message) == (
        status,
        code,
        "req-9",
        text,
    )


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("7", 7.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("\u0667", None),  # an Arabic-Indic 7 is no number here
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: now
        ("Wed, 21 Oct 2015 07:28:00", None),  # no zone: unknowable
    ],
)
def test_retry_after_in_seconds_or_as_a_date(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_a_future_date():
    later = email.utils.format_datetime(
        datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True
    )
    assert 28 <= (retry_after_seconds(later) or 0) <= 30


def test_the_pause_before_each_retry():
    policy = RetryPolicy(backoff_factor=0.5, backoff_jitter=0.0, backoff_max=3.0)
    assert [policy.pause(n, None) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
    assert policy.pause(1, 42.0) == 42.0
    jittery = RetryPolicy(backoff_factor=0.0, backoff_jitter=0.25)
    assert all(0 <= jittery.pause(1, None) <= 0.25 for _ in range(50))
    assert {429, 500, 502, 503, 504} == RetryPolicy.RETRIED_STATUSES


def test_the_default_limits():
    assert (
        limits.DEFAULT_CONNECT_TIMEOUT,
        limits.DEFAULT_READ_TIMEOUT,
        limits.DEFAULT_DEADLINE,
        limits.DEFAULT_MAX_RETRIES,
    ) == (5, 30, 120, 4)
    assert (RetryPolicy().max_retries, RetryPolicy().deadline) == (4, 120)
    settings = Settings(endpoint="http://127.0.0.1:1", project_id="p", credentials=Credentials())
    assert (settings.connect_timeout, settings.read_timeout, settings.deadline) == (5, 30, 120)
    assert settings.max_retries == 4


def test_the_client_takes_its_retries_and_deadline_from_the_settings(serve):
    emulator = serve(MANY, Faults(server_errors=1))
    settings = settings_for(emulator, max_retries=0, deadline=7.5)
    with MigrationClient(settings) as client:
        assert (client.retry.max_retries, client.retry.deadline) == (0, 7.5)
        with pytest.raises(ServiceUnavailable):
            client.list_page(INSTANCE_ID, 1, 10)
    assert len(emulator.requests) == 1


@pytest.mark.parametrize("page_size", [0, 51, True])
def test_a_bad_page_size_is_refused_by_name(serve, page_size):
    with pytest.raises(InvalidRequest) as caught:
        MigrationClient(settings_for(serve(MANY)), page_size=page_size)
    assert caught.value.field == "page_size"


def test_query_keeps_documented_names():
    query = metadata_query(
        task_id="t1", kind="queue", vhost="vhost1-exchange1", page=2, page_size=5
    )
    assert query == [
        ("id", "t1"),
        ("type", "queue"),
        ("name", "vhost1-exchange1"),
        ("offset", "2"),
        ("limit", "5"),
    ]


# -- listing -------------------------------------------------------------------


def test_listing_reads_every_page_with_page_numbers(serve):
    emulator = serve(MANY)
    with MigrationClient(settings_for(emulator), page_size=50) as client:
        tasks = read_tasks(client, INSTANCE_ID)
    assert len(tasks) == 137 == len({t.id for t in tasks})
    # Pages after the first are read concurrently: they reach the record in any order.
    assert sorted(q["offset"] for q in listing_queries(emulator)) == ["1", "2", "3"]
    assert {q["limit"] for q in listing_queries(emulator)} == {"50"}


def test_listing_with_a_silent_limit_cap_loses_and_duplicates_nothing(serve):
    emulator = serve(MANY, Faults(limit_cap=7))
    with MigrationClient(settings_for(emulator), page_size=50) as client:
        tasks = read_tasks(client, INSTANCE_ID)
    expected = serve(MANY)
    with MigrationClient(settings_for(expected), page_size=50) as client:
        truth = read_tasks(client, INSTANCE_ID)
    assert [t.id for t in tasks] == [t.id for t in truth]
    assert len(listing_queries(emulator)) == -(-137 // 7)


@pytest.mark.parametrize("faults", [Faults(inconsistent_total=25), Faults(total_drift=10)])
def test_an_inconsistent_total_cannot_make_listing_loop(serve, faults):
    emulator = serve(MANY, faults)
    with MigrationClient(settings_for(emulator), page_size=50) as client:
        tasks = read_tasks(client, INSTANCE_ID)
    assert len({t.id for t in tasks}) == 137 == len(tasks)
    assert len(listing_queries(emulator)) <= 6


def test_an_empty_instance_takes_one_request(serve):
    emulator = serve(scenario([]))
    with MigrationClient(settings_for(emulator)) as client:
        assert read_tasks(client, INSTANCE_ID) == ()
    assert len(emulator.requests) == 1


# -- one task ------------------------------------------------------------------

RABBIT = task(
    "t-rabbit",
    "orders",
    metadata={
        "vhosts": [{"name": "v1"}],
        "exchanges": [{"vhost": "v1", "name": "ex1", "type": "direct", "durable": True}],
        "queues": [{"vhost": "v1", "name": "q1", "durable": True}],
        "bindings": [
            {
                "vhost": "v1",
                "source": "ex1",
                "destination": "q1",
                "destination_type": "queue",
                "routing_key": "k",
            }
        ],
    },
)


def test_one_task_with_what_it_migrated(serve):
    emulator = serve(scenario([RABBIT]))
    with MigrationClient(settings_for(emulator)) as client:
        detail = client.get_task(INSTANCE_ID, "t-rabbit", kind="all")
        queues = client.get_task(INSTANCE_ID, "t-rabbit", kind="queue", vhost="v1-ex1")
    assert detail.task.name == "orders"
    assert detail.metadata is not None
    assert detail.metadata.counts == {
        "topics": 0,
        "consumer_groups": 0,
        "vhosts": 1,
        "exchanges": 1,
        "queues": 1,
        "bindings": 1,
    }
    assert queues.metadata is not None and queues.metadata.queues == ("q1",)


def test_a_machine_in_another_time_zone_still_signs_in_utc(serve, machine_in_shanghai):
    """The emulator refuses an X-Sdk-Date more than 15 minutes off, as the service does."""
    emulator = serve(scenario([RABBIT]))
    with MigrationClient(settings_for(emulator)) as client:
        assert client.get_task(INSTANCE_ID, "t-rabbit").task.name == "orders"
    assert [r.status for r in emulator.requests] == [200]


def test_the_newest_task_of_a_name_wins(serve):
    older = task("t-old", "same", start_date="2024-01-01 00:00:00.00", status="failed")
    newer = task("t-new", "same", start_date="2024-06-01 00:00:00.00")
    emulator = serve(scenario([older, newer]))
    with MigrationClient(settings_for(emulator)) as client:
        assert Listings().find_by_name(client, INSTANCE_ID, "same").id == "t-new"
        with pytest.raises(NotFound, match="no migration task named 'other'"):
            Listings().find_by_name(client, INSTANCE_ID, "other")


def test_a_missing_task_and_instance_are_not_found(serve):
    emulator = serve(scenario([RABBIT]))
    with MigrationClient(settings_for(emulator)) as client:
        with pytest.raises(NotFound) as missing_task:
            client.get_task(INSTANCE_ID, "nope")
        with pytest.raises(NotFound) as missing_instance:
            read_tasks(client, "no-such-instance")
    assert missing_task.value.code == "DMS.00405011"
    assert missing_task.value.request_id
    assert missing_instance.value.status == 404


def test_an_undocumented_status_is_kept_and_flagged(serve):
    emulator = serve(scenario([task("t1", "odd", status="paused")]))
    with MigrationClient(settings_for(emulator)) as client:
        (found,) = read_tasks(client, INSTANCE_ID)
    assert found.status == "paused"
    assert found.undocumented == ("status",)


# -- auth ------------------------------------------------------------------------


def test_a_wrong_secret_is_an_auth_error_that_never_shows_a_secret(serve):
    emulator = serve(scenario([RABBIT]))
    wrong = Credentials(access_key="AKTESTACCESSKEY", secret_key="wrong-secret-value")
    with (
        MigrationClient(settings_for(emulator, credentials=wrong)) as client,
        pytest.raises(AuthError) as caught,
    ):
        read_tasks(client, INSTANCE_ID)
    assert caught.value.status == 401
    assert str(caught.value.code).startswith("APIGW.")
    assert "wrong-secret-value" not in str(caught.value)
    assert SECRET_KEY not in repr(settings_for(emulator))


def test_token_and_temporary_credentials_are_sent_as_documented(serve):
    emulator = serve(scenario([RABBIT]))
    token = Credentials(auth_token="iam-token-123")
    with MigrationClient(settings_for(emulator, credentials=token)) as client:
        assert client.get_task(INSTANCE_ID, "t-rabbit").task.id == "t-rabbit"
    headers = {name.lower() for name, _ in emulator.requests[-1].headers}
    assert "x-auth-token" in headers
    assert "authorization" not in headers


def test_only_get_is_ever_sent(serve):
    emulator = serve(MANY)
    with MigrationClient(settings_for(emulator), page_size=10) as client:
        read_tasks(client, INSTANCE_ID)
        Listings().find_by_name(client, INSTANCE_ID, read_tasks(client, INSTANCE_ID)[0].name)
    assert {r.method for r in emulator.requests} == {"GET"}


# -- faults: retried, or the right typed error within the deadline -----------------


@pytest.mark.parametrize(
    "faults",
    [
        Faults(throttle=2, retry_after=0),
        Faults(server_errors=3),
        Faults(reset=2),
        Faults(latency_seconds=0.2),
    ],
    ids=["429-then-ok", "5xx-burst-then-ok", "reset-then-ok", "latency"],
)
def test_transient_faults_are_retried(serve, faults):
    emulator = serve(MANY, faults)
    policy = RetryPolicy(max_retries=3, backoff_factor=0.01, backoff_jitter=0.01, deadline=20)
    with MigrationClient(settings_for(emulator), retry=policy) as client:
        assert len(read_tasks(client, INSTANCE_ID)) == 137


def test_retry_after_is_honoured(serve):
    emulator = serve(MANY, Faults(throttle=1, retry_after=1))
    policy = RetryPolicy(max_retries=2, backoff_factor=0.0, backoff_jitter=0.0)
    started = time.monotonic()
    with MigrationClient(settings_for(emulator), retry=policy) as client:
        client.list_page(INSTANCE_ID, 1, 10)
    assert time.monotonic() - started >= 0.9


@pytest.mark.parametrize(
    ("faults", "error", "says"),
    [
        (
            Faults(throttle=50, retry_after=0),
            Throttled,
            r"^instance \S+: The throttling threshold has been reached: "
            r"policy user over ratelimit \[HTTP 429, APIGW.0308, request id ",
        ),
        (Faults(server_errors=50), ServiceUnavailable, r"\[HTTP 50[023], (DMS|APIGW)\."),
        (
            Faults(reset=50),
            ServiceUnavailable,
            r"^no answer from 127.0.0.1:\d+ for instance \S+ "
            r"after 3 attempts in \d+\.\ds: ConnectionError$",
        ),
        (
            Faults(malformed_json=50),
            InvalidResponse,
            r"^invalid response: body: not valid JSON \(.*\) "
            r"after 3 attempts in \d+\.\ds \(request id ",
        ),
        (
            Faults(truncated_json=50, truncated_full_length=False),
            InvalidResponse,
            r"not valid JSON",
        ),
        (
            Faults(truncated_json=50, truncated_full_length=True),
            ServiceUnavailable,
            r"broke off mid-body after 3 attempts in .*: "
            r"ChunkedEncodingError \[HTTP 200, request id ",
        ),
        (
            Faults(hang=50),
            ServiceUnavailable,
            r"^no answer from .* after 3 attempts in .*: ReadTimeout$",
        ),
    ],
    ids=[
        "429-forever",
        "5xx-forever",
        "reset-forever",
        "malformed",
        "truncated",
        "short-read",
        "hang",
    ],
)
def test_persistent_faults_end_in_a_typed_error(serve, faults, error, says):
    emulator = serve(MANY, faults)
    policy = RetryPolicy(max_retries=2, backoff_factor=0.01, backoff_jitter=0.0, deadline=3)
    started = time.monotonic()
    with (
        MigrationClient(settings_for(emulator, read_timeout=0.3), retry=policy) as client,
        pytest.raises(error, match=says),
    ):
        client.list_page(INSTANCE_ID, 1, 10)
    assert time.monotonic() - started < 2.5
    assert len(emulator.requests) == 3


def test_one_attempt_is_one_attempt(serve):
    emulator = serve(MANY, Faults(reset=5))
    policy = RetryPolicy(max_retries=0, deadline=3)
    with (
        MigrationClient(settings_for(emulator), retry=policy) as client,
        pytest.raises(ServiceUnavailable, match=r" after 1 attempt in "),
    ):
        client.list_page(INSTANCE_ID, 1, 10)
    assert len(emulator.requests) == 1


@pytest.mark.parametrize(
    ("faults", "sent"),
    [
        (Faults(throttle=2, retry_after=None), 3),
        (Faults(truncated_json=2, truncated_full_length=True), 3),
        (Faults(truncated_json=2, truncated_full_length=False), 3),
        (Faults(malformed_json=2), 3),
        (Faults(hang=1), 2),
    ],
    ids=["429-without-retry-after", "body-broken-off", "body-cut-short", "not-json", "hang"],
)
def test_a_transient_fault_after_or_without_an_answer_is_retried(serve, faults, sent):
    emulator = serve(MANY, faults)
    policy = RetryPolicy(max_retries=3, backoff_factor=0.01, backoff_jitter=0.0, deadline=10)
    settings = settings_for(emulator, read_timeout=0.5)
    with MigrationClient(settings, retry=policy) as client:
        assert len(client.list_page(INSTANCE_ID, 1, 10).tasks) == 10
    assert len(emulator.requests) == sent


def test_a_body_broken_after_200_says_so_not_no_answer(serve):
    emulator = serve(MANY, Faults(truncated_json=50, truncated_full_length=True))
    policy = RetryPolicy(max_retries=1, backoff_factor=0.01, backoff_jitter=0.0, deadline=5)
    with (
        MigrationClient(settings_for(emulator), retry=policy) as client,
        pytest.raises(ServiceUnavailable) as caught,
    ):
        client.list_page(INSTANCE_ID, 1, 10)
    assert caught.value.status == 200
    assert caught.value.request_id == emulator.requests[-1].request_id
    assert "broke off mid-body after 2 attempts" in str(caught.value)
    assert "no HTTP answer" not in str(caught.value)
    assert len(emulator.requests) == 2


def test_the_deadline_is_a_hard_bound_on_a_server_that_never_answers(serve):
    emulator = serve(MANY, Faults(hang=50))
    policy = RetryPolicy(max_retries=4, backoff_factor=0.01, backoff_jitter=0.0, deadline=0.8)
    settings = settings_for(emulator, read_timeout=30.0, connect_timeout=30.0)
    started = time.monotonic()
    with (
        MigrationClient(settings, retry=policy) as client,
        pytest.raises(
            ServiceUnavailable, match=r"no answer from .* cut off at the deadline"
        ) as caught,
    ):
        client.get_task(INSTANCE_ID, "t1")
    took = time.monotonic() - started
    assert 0.75 <= took < 1.2
    # The message says how long the call took.
    spent = re.search(r"after 1 attempt in (\d+\.\d)s", str(caught.value))
    assert spent and 0.7 <= float(spent.group(1)) <= took + 0.05
    assert len(emulator.requests) == 1  # the one attempt took all the time there was


@contextlib.contextmanager
def raw_server(
    answer: bytes, *, trickle: bool = False, for_at_most: float = 8.0
) -> Iterator[tuple[str, list[bytes]]]:
    """A loopback server that records each request's head and sends ``answer`` raw.

    With ``trickle`` it then sends one byte every 0.2s and never finishes: each byte
    comes well within any read timeout, so only a cut-off ends the answer.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    received: list[bytes] = []

    def answer_one(connection: socket.socket) -> None:
        with connection:
            received.append(connection.recv(65536))
            connection.sendall(answer)
            until = time.monotonic() + for_at_most
            while trickle and not stop.is_set() and time.monotonic() < until:
                try:
                    connection.sendall(b"a")
                except OSError:
                    return  # the client hung up
                stop.wait(0.2)

    def serve_forever() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer_one, args=(connection,), daemon=True).start()

    threading.Thread(target=serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        stop.set()
        listener.close()


def test_a_listener_hears_every_429_with_the_pause_it_asked_for(serve):
    """How a listing learns to slow down: each 429 and its Retry-After, the last one too;
    other failures are not throttling."""
    emulator = serve(MANY, Faults(throttle=2, retry_after=0, server_errors=1))
    heard: list[float] = []
    on_throttle(heard.append)
    try:
        policy = RetryPolicy(max_retries=4, backoff_factor=0.01, backoff_jitter=0.0)
        with MigrationClient(settings_for(emulator), retry=policy) as client:
            client.list_page(INSTANCE_ID, 1, 10)
            assert heard == [0.0, 0.0]
            emulator.set_faults(Faults(throttle=1, retry_after=7))
            once = RetryPolicy(max_retries=0)
            with (
                MigrationClient(settings_for(emulator), retry=once) as giving_up,
                pytest.raises(Throttled),
            ):
                giving_up.list_page(INSTANCE_ID, 1, 10)
            assert heard == [0.0, 0.0, 7.0]
    finally:
        on_throttle(None)
    assert [r.status for r in emulator.requests] == [429, 429, 500, 200, 429]


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nX-Slow: ",
        b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: application/json\r\n\r\n",
    ],
    ids=["headers", "body"],
)
def test_the_deadline_cuts_off_a_server_that_trickles_bytes(serve, head):
    emulator = serve(MANY)
    policy = RetryPolicy(max_retries=4, backoff_factor=0.01, backoff_jitter=0.0, deadline=0.8)
    with raw_server(head, trickle=True) as (url, _):
        settings = settings_for(emulator, endpoint=url, read_timeout=30.0)
        started = time.monotonic()
        with (
            MigrationClient(settings, retry=policy) as client,
            pytest.raises(ServiceUnavailable, match="cut off at the deadline"),
        ):
            client.list_page(INSTANCE_ID, 1, 10)
        assert 0.75 <= time.monotonic() - started < 1.2


def test_each_attempt_gets_only_the_time_left(serve):
    # Two hangs: with 0.4s reads the third attempt answers; no read outlives the deadline.
    emulator = serve(MANY, Faults(hang=2))
    policy = RetryPolicy(max_retries=4, backoff_factor=0.01, backoff_jitter=0.0, deadline=1.0)
    settings = settings_for(emulator, read_timeout=0.4)
    started = time.monotonic()
    with MigrationClient(settings, retry=policy) as client:
        assert client.list_page(INSTANCE_ID, 1, 10).total == 137
    assert 0.8 <= time.monotonic() - started < 1.1
    assert len(emulator.requests) == 3


def test_no_retry_is_started_past_the_deadline(serve):
    emulator = serve(MANY, Faults(hang=50))
    policy = RetryPolicy(max_retries=4, backoff_factor=0.01, backoff_jitter=0.0, deadline=0.8)
    settings = settings_for(emulator, read_timeout=0.5)
    started = time.monotonic()
    with MigrationClient(settings, retry=policy) as client, pytest.raises(ServiceUnavailable):
        client.list_page(INSTANCE_ID, 1, 10)
    assert time.monotonic() - started < 1.2
    assert len(emulator.requests) == 2  # 0.5s, then the 0.3s left


def test_the_deadline_bounds_a_long_retry_after(serve):
    emulator = serve(MANY, Faults(throttle=5, retry_after=30))
    policy = RetryPolicy(max_retries=5, deadline=2)
    started = time.monotonic()
    with MigrationClient(settings_for(emulator), retry=policy) as client, pytest.raises(Throttled):
        client.list_page(INSTANCE_ID, 1, 10)
    assert time.monotonic() - started < 2


def test_a_slow_answer_times_out(serve):
    emulator = serve(MANY, Faults(latency_seconds=2))
    policy = RetryPolicy(max_retries=0, deadline=10)
    settings = settings_for(emulator, read_timeout=0.3)
    with MigrationClient(settings, retry=policy) as client, pytest.raises(ServiceUnavailable):
        client.list_page(INSTANCE_ID, 1, 10)


def test_no_retry_on_other_client_errors(serve):
    emulator = serve(scenario([RABBIT]))
    with MigrationClient(settings_for(emulator)) as client, pytest.raises(NotFound):
        client.get_task(INSTANCE_ID, "missing")
    assert len(emulator.requests) == 1


# -- what is sent, and what is refused before sending ------------------------------


def test_temporary_credentials_send_their_security_token(serve):
    emulator = serve(scenario([RABBIT]))
    temporary = Credentials(access_key=ACCESS_KEY, secret_key=SECRET_KEY, security_token="st-1")
    with MigrationClient(settings_for(emulator, credentials=temporary)) as client:
        client.get_task(INSTANCE_ID, "t-rabbit")
    assert emulator.requests[-1].header("X-Security-Token") == REDACTED
    signed = emulator.requests[-1].header("Authorization") or ""
    assert signed == REDACTED


def test_a_project_that_is_not_yours_is_an_auth_error(serve):
    emulator = serve(scenario([RABBIT]))
    with (
        MigrationClient(settings_for(emulator, project_id="f" * 32)) as client,
        pytest.raises(AuthError) as caught,
    ):
        client.get_task(INSTANCE_ID, "t-rabbit")
    assert caught.value.status == 403
    assert len(emulator.requests) == 1


def test_a_task_missing_from_a_list_answer_is_not_found_without_a_status(serve):
    # A service may answer ?id= with the list form; a 200 without the task is no HTTP error.
    emulator = serve(scenario([RABBIT]))
    with MigrationClient(settings_for(emulator)) as client:
        listing = client._get(INSTANCE_ID, metadata_query())
        client._get = lambda instance, query: listing
        with pytest.raises(NotFound) as caught:
            client.get_task(INSTANCE_ID, "t-gone")
    assert caught.value.status is None
    assert str(caught.value) == f"migration task t-gone not found in instance {INSTANCE_ID}"


@pytest.mark.parametrize("bad", [".", "..", "a\nb", "a\x00", "\x1b[2J", "", "  "])
@pytest.mark.parametrize("field", ["instance_id", "task_id", "project_id"])
def test_path_steps_and_control_characters_are_refused_as_ids(serve, field, bad):
    emulator = serve(scenario([RABBIT]))
    ids = {"instance_id": INSTANCE_ID, "task_id": "t-rabbit", "project_id": PROJECT_ID, field: bad}

    def read() -> None:
        with MigrationClient(settings_for(emulator, project_id=ids["project_id"])) as client:
            client.get_task(ids["instance_id"], ids["task_id"])

    with pytest.raises(InvalidRequest) as caught:
        read()
    assert caught.value.field == {"task_id": "id"}.get(field, field)
    assert emulator.requests == []


@pytest.mark.parametrize("field", ["access_key", "security_token", "auth_token"])
@pytest.mark.parametrize("bad", ["sekrit\r\nX-Evil: 1", "sekrit\x00", "sekrit€"])
def test_header_values_must_be_printable_ascii_and_are_never_echoed(serve, field, bad):
    emulator = serve(scenario([RABBIT]))
    values = {"access_key": ACCESS_KEY, "secret_key": SECRET_KEY, field: bad}
    if field == "auth_token":
        values = {field: bad}
    with pytest.raises(InvalidRequest) as caught:
        MigrationClient(settings_for(emulator, credentials=Credentials(**values)))
    assert caught.value.field == field
    assert "sekrit" not in str(caught.value)
    assert emulator.requests == []


def test_a_detail_answer_for_another_task_is_an_invalid_response(serve):
    emulator = serve(scenario([RABBIT, task("t-other", "other")]))
    with MigrationClient(settings_for(emulator)) as client:
        real = client._get
        client._get = lambda instance, query: {**real(instance, query), "id": "t-other"}
        with pytest.raises(InvalidResponse) as caught:
            client.get_task(INSTANCE_ID, "t-rabbit", kind="all")
    assert caught.value.field == "id"


def test_a_finished_call_is_never_cut_off_later(serve):
    # The watchdog must leave a pooled connection alone once its call is over.
    emulator = serve(MANY)
    policy = RetryPolicy(max_retries=2, backoff_factor=0.01, backoff_jitter=0.0, deadline=0.3)
    with MigrationClient(settings_for(emulator), retry=policy) as client:
        client.list_page(INSTANCE_ID, 1, 10)
        time.sleep(0.5)
        client.list_page(INSTANCE_ID, 2, 10)
    assert [r.status for r in emulator.requests] == [200, 200]


def test_what_is_sent_besides_the_signature(serve):
    emulator = serve(scenario([RABBIT]))
    with MigrationClient(settings_for(emulator)) as client:
        client.get_task(INSTANCE_ID, "t-rabbit")
    (sent,) = emulator.requests
    assert sent.header("User-Agent") == "pulumi-rocketmq-migration"
    assert sent.header("X-Project-Id") == PROJECT_ID
    assert sent.header("Host") == emulator.base_url.removeprefix("http://")
    assert sent.header("X-Security-Token") is None  # only temporary credentials carry one


def test_an_error_answer_names_the_instance(serve):
    emulator = serve(scenario([RABBIT]))
    with MigrationClient(settings_for(emulator)) as client, pytest.raises(NotFound) as caught:
        client.get_task(INSTANCE_ID, "nope")
    assert str(caught.value).startswith(f"instance {INSTANCE_ID}: ")


def test_a_blank_name_is_refused_naming_the_name(serve):
    emulator = serve(scenario([RABBIT]))
    with MigrationClient(settings_for(emulator)) as client, pytest.raises(InvalidRequest) as caught:
        Listings().find_by_name(client, INSTANCE_ID, " ")
    assert str(caught.value) == "name: must be a non-empty string"
    assert emulator.requests == []


LISTING = b'{"total": 0, "task": []}'
OK_LISTING = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    b"Content-Length: " + str(len(LISTING)).encode() + b"\r\n\r\n" + LISTING
)


def test_the_security_token_is_sent_as_given(serve):
    emulator = serve(MANY)
    temporary = Credentials(access_key=ACCESS_KEY, secret_key=SECRET_KEY, security_token="st-1")
    with raw_server(OK_LISTING) as (url, received):
        settings = settings_for(emulator, endpoint=url, credentials=temporary)
        with MigrationClient(settings) as client:
            assert client.list_page(INSTANCE_ID, 1, 10).total == 0
    (head,) = received
    assert b"\r\nX-Security-Token: st-1\r\n" in head
    assert b"SignedHeaders=host;user-agent;x-project-id;x-sdk-date;x-security-token," in head


def test_a_lone_access_key_with_a_token_sends_the_token(serve):
    emulator = serve(scenario([RABBIT]))
    mixed = Credentials(access_key=ACCESS_KEY, auth_token="iam-token-123")
    with MigrationClient(settings_for(emulator, credentials=mixed)) as client:
        client.get_task(INSTANCE_ID, "t-rabbit")
    assert emulator.requests[-1].header("Authorization") is None
    assert emulator.requests[-1].header("X-Auth-Token") == REDACTED


def test_a_redirect_is_an_error_and_never_followed(serve):
    emulator = serve(MANY)
    with raw_server(OK_LISTING) as (elsewhere, followed):
        moved = (
            b"HTTP/1.1 302 Found\r\nLocation: " + elsewhere.encode() + b"/v2/x\r\n"
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
        with raw_server(moved) as (url, _):
            settings = settings_for(emulator, endpoint=url)
            with MigrationClient(settings) as client, pytest.raises(ServiceError) as caught:
                client.list_page(INSTANCE_ID, 1, 10)
    assert caught.value.status == 302
    assert followed == []


def test_a_call_with_no_time_left_sends_nothing(serve):
    emulator = serve(MANY)
    with (
        MigrationClient(settings_for(emulator)) as client,
        limits.bounded(0),
        pytest.raises(ServiceUnavailable, match=r"after 1 attempt in .*: cut off at the deadline$"),
    ):
        client.list_page(INSTANCE_ID, 1, 10)
    assert emulator.requests == []


def test_the_pauses_double(serve):
    emulator = serve(MANY, Faults(server_errors=2))
    policy = RetryPolicy(max_retries=3, backoff_factor=0.2, backoff_jitter=0.0, deadline=10)
    started = time.monotonic()
    with MigrationClient(settings_for(emulator), retry=policy) as client:
        client.list_page(INSTANCE_ID, 1, 10)
    assert 0.6 <= time.monotonic() - started < 0.9  # 0.2s, then 0.4s


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            Exception(
                "HTTPSConnectionPool(host='h', port=443): Max retries exceeded (Caused by "
                "SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
                "certificate verify failed: self-signed certificate (_ssl.c:1006)')))"
            ),
            "TLS: the certificate of h is not trusted (self-signed certificate); "
            "set huaweicloud:cacertFile or HW_CACERT_FILE to the CA that signed it",
        ),
        (
            Exception("certificate verify failed"),
            "TLS: the certificate of h is not trusted (certificate verify failed); "
            "set huaweicloud:cacertFile or HW_CACERT_FILE to the CA that signed it",
        ),
        (
            Exception("[SSL: CERTIFICATE_VERIFY_FAILED]"),
            "TLS: the certificate of h is not trusted ([SSL: CERTIFICATE_VERIFY_FAILED]); "
            "set huaweicloud:cacertFile or HW_CACERT_FILE to the CA that signed it",
        ),
        (
            Exception("certificate verify failed: unable to get local issuer certificate')\")"),
            "TLS: the certificate of h is not trusted (unable to get local issuer certificate); "
            "set huaweicloud:cacertFile or HW_CACERT_FILE to the CA that signed it",
        ),
        (
            Exception("certificate verify failed: "),
            "TLS: the certificate of h is not trusted (verify failed); "
            "set huaweicloud:cacertFile or HW_CACERT_FILE to the CA that signed it",
        ),
        (ValueError("[SSL: WRONG_VERSION_NUMBER]"), "TLS failed talking to h: ValueError"),
    ],
)
def test_a_tls_failure_is_one_line_that_says_what_to_do(error, message):
    assert tls_problem("h", error) == message
