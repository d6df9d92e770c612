"""Text from the service is data: no printer lets it steer a terminal or forge a line.

The unit checks of ``printable`` come first; then every printer is driven over real
HTTP with hostile task names and service messages (the emulator, or a loopback
server answering a hostile error body): the CLI's tables, its status lines and live
line, its error line, and the provider's engine-log lines and ``error`` output. JSON
and lookup outputs keep the raw value.
"""

from __future__ import annotations

import io
import json
import sys
import threading
import unicodedata
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from pulumi_rocketmq_migration.cli import main
from pulumi_rocketmq_migration.emulator import Emulator
from pulumi_rocketmq_migration.formatting import Progress
from pulumi_rocketmq_migration.models import MetadataTask
from pulumi_rocketmq_migration.provider import MigrationTaskProvider
from pulumi_rocketmq_migration.terminal import encodable, printable
from pulumi_rocketmq_migration.waiting import WaitPolicy

from .conftest import ACCESS_KEY, INSTANCE_ID, PROJECT_ID, SECRET_KEY, scenario, task

# Each one would do something to a terminal or a log if printed raw.
HOSTILE = {
    "retitle": "\x1b]0;owned\x07",  # OSC: set the window title
    "clear": "\x1b[2J\x1b[H",  # CSI: clear the screen, cursor home
    "c1-csi": "\x9b31m",  # the one-byte C1 CSI
    "newline": "orders\nfake-id  forged-row  rocketmq  finished",
    "carriage-return": "orders\rfinished",
    "crlf": "orders\r\n",
    "backspace-del": "orders\x08\x08\x7f",
    "nul": "or\x00ders",
    "bidi-override": "orders\u202egnp.exe",
    "line-separator": "orders\u2028forged",
    "zero-width": "ord\u200bers",
}
# Anything a display could be steered by: the characters printable() must never let through.
STEERING = {"Cc", "Cf", "Cs", "Zl", "Zp"}


def steering(text: str) -> list[str]:
    return [c for c in text if unicodedata.category(c) in STEERING and c not in "\n"]


def one_line_and_inert(text: str) -> None:
    """Exactly one line, and nothing in it that steers a display."""
    assert text.count("\n") == 1 and text.endswith("\n"), repr(text)
    assert not steering(text), repr(text)


# -- the function --------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_printable_escapes_every_steering_character(text: str) -> None:
    shown = printable(text)
    assert not steering(shown) and "\n" not in shown
    assert shown.isprintable()


def test_printable_spells_escapes_as_python_does() -> None:
    assert printable("a\x1b[2Jb\n\u202e\x9b\x7f\x00") == "a\\x1b[2Jb\\n\\u202e\\x9b\\x7f\\x00"
    assert printable("lone \ud800 surrogate") == "lone \\ud800 surrogate"


@pytest.mark.parametrize(
    "text", ["orders-sync", "订单同步", "café", "emoji 🚀", "tab-free a b", "back\\slash", ""]
)
def test_printable_keeps_ordinary_text_of_every_script(text: str) -> None:
    assert printable(text) == text


def test_encodable_escapes_only_what_a_stream_cannot_encode() -> None:
    latin = io.TextIOWrapper(io.BytesIO(), encoding="latin-1")
    assert encodable("café 10€", latin) == "café 10\\u20ac"
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    assert encodable("café 10€", utf8) == "café 10€"
    assert encodable("lone \ud800", utf8) == "lone \\ud800"


# -- the CLI, against the emulator ---------------------------------------------

NAMES = list(HOSTILE.values())
IDS = [f"7e000000-0000-4000-8000-{n:012d}" for n in range(len(NAMES))]
HOSTILE_TOPIC = "topic\x1b[31m-red\nforged"


@pytest.fixture
def hostile_emulator(serve: Callable[..., Emulator]) -> Emulator:
    tasks = [
        task(
            task_id,
            name,
            type="rocketmq",
            start_date=f"2024-06-{i + 1:02d} 09:00:00.00",
            metadata={"topicConfigTable": {HOSTILE_TOPIC: {"topicName": HOSTILE_TOPIC}}},
        )
        for i, (task_id, name) in enumerate(zip(IDS, NAMES, strict=True))
    ]
    tasks.append(
        task(
            "7e000000-0000-4000-8000-00000000ffff",
            "live\x1b]0;owned\x07",
            type="rocketmq",
            timeline=[{"status": "starting"}, {"status": "finished", "after_reads": 2}],
        )
    )
    return serve(scenario(tasks))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    for name in ("HW_DMS_ENDPOINT", "HW_REGION_NAME", "HW_AUTH_TOKEN", "HW_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HW_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("HW_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("HW_PROJECT_ID", PROJECT_ID)


def cli(emulator: Any, *args: str) -> int:
    return main([*args, "--instance-id", INSTANCE_ID, "--endpoint", emulator.base_url])


def test_list_table_shows_hostile_names_escaped_one_row_each(
    hostile_emulator: Emulator, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(hostile_emulator, "list", "--output", "table") == 0
    out = capsys.readouterr().out
    assert not steering(out.replace("\n", "")), repr(out)
    table, summary = out.split("\n\n")
    rows = table.splitlines()[1:]
    assert len(rows) == len(NAMES) + 1  # a newline in a name forges no row
    for task_id, name in zip(IDS, NAMES, strict=True):
        (row,) = [r for r in rows if r.startswith(task_id)]
        assert printable(name) in row
    assert summary.startswith(f"{len(NAMES) + 1} tasks")


def test_get_table_shows_hostile_names_escaped_and_json_keeps_them_raw(
    hostile_emulator: Emulator, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    newline_id = IDS[NAMES.index(HOSTILE["newline"])]
    assert cli(hostile_emulator, "get", "--task-id", newline_id, "--output", "table") == 0
    out = capsys.readouterr().out
    assert not steering(out.replace("\n", ""))
    fields = dict(line.split(None, 1) for line in out.splitlines())
    assert set(fields) >= {"task_id", "name", "topics"}  # no forged field lines
    assert fields["name"] == printable(HOSTILE["newline"])
    assert fields["topics"] == f"1: {printable(HOSTILE_TOPIC)}"

    assert cli(hostile_emulator, "get", "--task-id", newline_id, "--output", "json") == 0
    body = json.loads(capsys.readouterr().out)
    assert body["name"] == HOSTILE["newline"] and body["topics"] == [HOSTILE_TOPIC]


def test_list_json_keeps_every_raw_name(
    hostile_emulator: Emulator, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(hostile_emulator, "list", "--output", "json") == 0
    body = json.loads(capsys.readouterr().out)
    assert {t["name"] for t in body["tasks"]} >= set(NAMES)


def test_wait_status_lines_show_a_hostile_name_escaped(
    hostile_emulator: Emulator, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["wait", "--task-id", "7e000000-0000-4000-8000-00000000ffff", "--interval", "1s"]
    assert cli(hostile_emulator, *args, "--output", "json") == 0
    err = capsys.readouterr().err
    lines = err.splitlines(keepends=True)
    assert len(lines) == 2
    for line in lines:
        one_line_and_inert(line)
        assert "live\\x1b]0;owned\\x07 (7e000000" in line


def test_wait_error_line_names_a_hostile_task_escaped(
    hostile_emulator: Emulator, env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every hostile task is finished: failing on finished gives the error line.
    bidi_id = IDS[NAMES.index(HOSTILE["bidi-override"])]
    args = ["wait", "--task-id", bidi_id, "--for", "starting", "--fail-on", "finished"]
    assert cli(hostile_emulator, *args) == 1
    err = capsys.readouterr().err.splitlines(keepends=True)
    one_line_and_inert(err[-1])
    assert err[-1].startswith("rocketmq-migration: error: migration task 'orders\\u202egnp.exe'")


class LiveStream(io.StringIO):
    """A terminal's stderr, as far as Progress can tell."""

    def isatty(self) -> bool:
        return True


def test_the_live_line_draws_only_its_own_escape_sequences() -> None:
    stream = LiveStream()
    progress = Progress(stream, WaitPolicy.build("finished", timeout=60, interval=1))
    hostile = MetadataTask(
        id="t\x1b[1A", name=HOSTILE["clear"], start_date="d", status="starting\r", type="rocketmq"
    )
    progress.poll(hostile, 0.0)
    progress.change(hostile, 0.0)
    written = stream.getvalue()
    # Progress's own "\r\x1b[K" (go to column 0, clear the line) is the only control it writes.
    assert written.replace("\r\x1b[K", "").count("\x1b") == 0
    assert "\r" not in written.replace("\r\x1b[K", "")
    assert "\\x1b[2J\\x1b[H is starting\\r" in written


# -- errors built from the service's message -------------------------------------


@pytest.fixture
def hostile_service() -> Iterator[Callable[[int, dict[str, Any]], str]]:
    """A loopback server answering every GET with the given status and JSON body."""
    answer: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            payload = json.dumps(answer["body"]).encode()
            self.send_response(answer["status"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Request-Id", "req\x1b[2J")
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def configure(status: int, body: dict[str, Any]) -> str:
        answer.update(status=status, body=body)
        return f"http://127.0.0.1:{server.server_address[1]}"

    try:
        yield configure
    finally:
        server.shutdown()
        server.server_close()


SERVICE_MESSAGE = "no such instance\x1b]0;owned\x07\nrocketmq-migration: ok \u202edone"


@pytest.mark.parametrize(("status", "code"), [(404, 4), (403, 5), (400, 2)])
def test_a_hostile_service_message_is_one_inert_error_line(
    status: int,
    code: int,
    hostile_service: Callable[[int, dict[str, Any]], str],
    env: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = hostile_service(status, {"error_code": "DMS.\x1b[31m", "error_msg": SERVICE_MESSAGE})
    assert main(["list", "--instance-id", INSTANCE_ID, "--endpoint", url]) == code
    captured = capsys.readouterr()
    assert captured.out == ""
    one_line_and_inert(captured.err)
    assert "no such instance\\x1b]0;owned\\x07\\nrocketmq-migration: ok \\u202edone" in (
        captured.err
    )


# -- the provider: engine-log lines and the error output --------------------------


@pytest.fixture
def provider_env(env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # No engine address on argv: the engine-log lines go to stderr, where they are seen.
    monkeypatch.setattr(sys, "argv", ["provider"])


def test_provider_error_output_is_inert(
    hostile_service: Callable[[int, dict[str, Any]], str], provider_env: None
) -> None:
    url = hostile_service(404, {"error_code": "DMS.00404022", "error_msg": SERVICE_MESSAGE})
    props = {"__lookup": "tasks", "instance_id": INSTANCE_ID, "endpoint": url}
    error = MigrationTaskProvider().read("id", props).outs["error"]
    assert error and not steering(error) and "\n" not in error
    assert "no such instance\\x1b]0;owned\\x07\\n" in error


def test_provider_engine_log_lines_are_inert(
    hostile_emulator: Emulator, provider_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    props = {
        "__lookup": "task",
        "instance_id": INSTANCE_ID,
        "endpoint": hostile_emulator.base_url,
        "task_id": "7e000000-0000-4000-8000-00000000ffff",
        "wait_for": ["finished"],
        "poll_interval": "1s",
    }
    outs = MigrationTaskProvider().read("id", props).outs
    assert outs["error"] is None and outs["name"] == "live\x1b]0;owned\x07"  # raw in outputs
    lines = capsys.readouterr().err.splitlines(keepends=True)
    assert lines
    for line in lines:
        one_line_and_inert(line)
