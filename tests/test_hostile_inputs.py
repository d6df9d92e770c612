"""A family of hostile values, in every place a value is sent: each one is either
refused before anything is sent (InvalidRequest naming the field) or arrives at the
emulator exactly as given, as one path segment or one query value. The emulator's
request record is the witness. No other exception may escape.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import pytest

from pulumi_rocketmq_migration.client import MAX_PAGE, MigrationClient
from pulumi_rocketmq_migration.emulator import Emulator, RequestRecord
from pulumi_rocketmq_migration.errors import InvalidRequest, ServiceError

from .conftest import INSTANCE_ID, PROJECT_ID, scenario, settings_for, task

HOSTILE = {
    "empty": "",
    "blank": " ",
    "tab": "\t",
    "dot": ".",
    "dotdot": "..",
    "long-at-limit": "x" * 1024,
    "long-past-limit": "x" * 10_000,
    "crlf": "a\r\nX-Injected: 1",
    "nul": "a\x00b",
    "escape": "\x1b]0;pwned\x07",
    "del": "a\x7fb",
    "unicode": "tâche-任务-🚀",
    "rtl-override": "a\u202eb",
    "zero-width": "a\u200bb",
    "line-separator": "a\u2028b",
    "path-traversal": "a/../b",
    "slash": "a/b",
    "query": "?x=1",
    "ampersand": "a&id=other",
    "percent-2F": "%2F",
    "percent-2e": "%2e%2e",
    "fragment": "#frag",
    "plus-space": "a+b c",
    "padded": " a ",
}
ALWAYS_REFUSED = {
    "empty",
    "blank",
    "tab",
    "long-past-limit",
    "crlf",
    "nul",
    "escape",
    "del",
    "rtl-override",
    "zero-width",
    "line-separator",
}
REFUSED_AS_ID = ALWAYS_REFUSED | {"dot", "dotdot"}

TASK = task("t1", "orders")


def _segments(path: str) -> list[str]:
    return path.split("/")


def sent_or_refused(
    emulator: Emulator, send: Callable[[], object], field: str, refusable: bool
) -> RequestRecord | None:
    """The one request ``send`` made, or None when it was refused before sending."""
    try:
        send()
    except InvalidRequest as error:
        assert refusable, error
        assert error.field == field
        assert emulator.requests == []
        return None
    except ServiceError as error:  # no such instance, task or project: it still arrived
        assert error.status in (400, 403, 404)
    assert not refusable
    (record,) = emulator.requests
    return record


@pytest.mark.parametrize("name", list(HOSTILE))
def test_an_instance_id_is_refused_or_sent_as_one_path_segment(serve, name):
    value = HOSTILE[name]
    emulator = serve(scenario([TASK]))
    with MigrationClient(settings_for(emulator)) as client:
        sent = sent_or_refused(
            emulator, lambda: client.list_page(value, 1, 10), "instance_id", name in REFUSED_AS_ID
        )
    if sent is not None:
        segments = _segments(sent.path)
        assert segments[:4] == ["", "v2", PROJECT_ID, "instances"]
        assert segments[5:] == ["metadata"]
        assert unquote(segments[4]) == value


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_task_id_is_refused_or_sent_as_one_query_value(serve, name):
    value = HOSTILE[name]
    emulator = serve(scenario([TASK]))
    with MigrationClient(settings_for(emulator)) as client:
        sent = sent_or_refused(
            emulator, lambda: client.get_task(INSTANCE_ID, value), "id", name in REFUSED_AS_ID
        )
    if sent is not None:
        assert sent.query == (("id", value),)
        assert unquote(_segments(sent.path)[4]) == INSTANCE_ID


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_vhost_name_is_refused_or_sent_as_one_query_value(serve, name):
    value = HOSTILE[name]
    emulator = serve(scenario([TASK]))
    with MigrationClient(settings_for(emulator)) as client:
        sent = sent_or_refused(
            emulator,
            lambda: client.get_task(INSTANCE_ID, "t1", kind="exchange", vhost=value),
            "name",
            name in ALWAYS_REFUSED,
        )
    if sent is not None:
        assert sent.status == 200
        assert sent.query == (("id", "t1"), ("type", "exchange"), ("name", value))


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_project_id_is_refused_or_sent_as_one_segment_and_one_header(serve, name):
    value = HOSTILE[name]
    emulator = serve(scenario([TASK]))
    # Past the id rules, a header value must be printable ASCII.
    refusable = name in REFUSED_AS_ID or not (value.isascii() and value.isprintable())

    def send() -> None:
        with MigrationClient(settings_for(emulator, project_id=value)) as client:
            client.list_page(INSTANCE_ID, 1, 10)

    sent = sent_or_refused(emulator, send, "project_id", refusable)
    if sent is not None:
        assert unquote(_segments(sent.path)[2]) == value
        assert sent.header("X-Project-Id") == value.strip()  # HTTP trims header whitespace


@pytest.mark.parametrize(
    ("page", "page_size", "refused"),
    [
        (1, 1, None),
        (1, 50, None),
        (1, 51, "limit"),
        (0, 10, "offset"),
        (-1, 10, "offset"),
        (MAX_PAGE, 10, None),
        (MAX_PAGE + 1, 10, "offset"),
        pytest.param(10**5000, 10, "offset", id="5000-digits"),
        (True, 10, "offset"),
        (1.0, 10, "offset"),
        ("1", 10, "offset"),
    ],
)
def test_page_numbers_and_sizes_at_and_past_each_limit(serve, page, page_size, refused):
    emulator = serve(scenario([TASK]))
    with MigrationClient(settings_for(emulator)) as client:
        if refused:
            with pytest.raises(InvalidRequest) as caught:
                client.list_page(INSTANCE_ID, page, page_size)
            assert caught.value.field == refused
            assert len(str(caught.value)) < 200
            assert emulator.requests == []
            return
        answer = client.list_page(INSTANCE_ID, page, page_size)
    assert answer.total == 1
    (sent,) = emulator.requests
    assert dict(sent.query) == {"offset": str(page), "limit": str(page_size)}
