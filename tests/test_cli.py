"""The installed ``rocketmq-migration`` script, run as a pipeline would, against emulator processes.

Every run is checked for what a pipeline log must never show: the secret key and a
Python traceback.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

from pulumi_rocketmq_migration import cli as cli_module
from pulumi_rocketmq_migration.cli import (
    build_parser,
    connection_settings,
    exit_code,
    exit_codes,
    main,
)
from pulumi_rocketmq_migration.errors import (
    InvalidResponse,
    MigrationTaskError,
    ServiceError,
    ServiceUnavailable,
    Throttled,
)
from pulumi_rocketmq_migration.lookup import MigrationTaskResult, MigrationTasksResult
from pulumi_rocketmq_migration.waiting import DURATION_GRAMMAR

AK = "CLITESTACCESSKEY0001"
SK = "cli-test-secret-key-never-printed-0001"
WRONG_SK = "cli-test-wrong-secret-key-never-printed"
PROJECT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
INSTANCE = "1a2b3c4d-0000-4000-8000-00000000c11a"
LIVE_INSTANCE = "1a2b3c4d-0000-4000-8000-00000000c11b"
DONE_ID = "c1100000-0000-4000-8000-000000000001"
OLD_ID = "c1100000-0000-4000-8000-000000000002"
FAILED_ID = "c1100000-0000-4000-8000-000000000003"
STUCK_ID = "c1100000-0000-4000-8000-000000000004"
LIVE_ID = "c1100000-0000-4000-8000-000000000005"

BIN = shutil.which("rocketmq-migration", path=str(Path(sys.executable).parent))

SCENARIO: dict[str, Any] = {
    "instances": [
        {
            "id": INSTANCE,
            "name": "cli-instance",
            "tasks": [
                {
                    "id": DONE_ID,
                    "name": "orders-sync",
                    "start_date": "2024-06-02 09:00:00.00",
                    "type": "rocketmq",
                    "status": "finished",
                    "metadata": {
                        "topicConfigTable": {
                            "topic-orders": {"topicName": "topic-orders"},
                            "topic-refunds": {"topicName": "topic-refunds"},
                        },
                        "subscriptionGroupTable": {
                            "group-billing": {"groupName": "group-billing"},
                        },
                    },
                },
                {
                    # An older run with the same name: a lookup by name takes the newest.
                    "id": OLD_ID,
                    "name": "orders-sync",
                    "start_date": "2024-06-01 09:00:00.00",
                    "type": "rocketmq",
                    "status": "failed",
                },
                {
                    "id": FAILED_ID,
                    "name": "legacy-rabbit",
                    "start_date": "2024-05-30 12:00:00.00",
                    "type": "rabbitToRocket",
                    "status": "failed",
                    "metadata": {"vhosts": [{"name": "legacy"}]},
                },
                {
                    "id": STUCK_ID,
                    "name": "stuck",
                    "start_date": "2024-05-29 12:00:00.00",
                    "type": "rocketmq",
                    "status": "starting",
                },
            ],
        },
        {
            # Apart, so that listing the other instance does not count as reads of it.
            "id": LIVE_INSTANCE,
            "name": "cli-live",
            "tasks": [
                {
                    "id": LIVE_ID,
                    "name": "live",
                    "start_date": "2024-06-03 09:00:00.00",
                    "type": "rocketmq",
                    "timeline": [
                        {"status": "creating"},
                        {"status": "starting", "after_reads": 2},
                        {"status": "finished", "after_reads": 4},
                    ],
                    "metadata": {"topicConfigTable": {"topic-live": {"topicName": "topic-live"}}},
                }
            ],
        },
    ]
}

TASK_OUTPUTS = [f.name for f in attrs.fields(MigrationTaskResult)]
TASKS_OUTPUTS = [f.name for f in attrs.fields(MigrationTasksResult)]


def _serve(scenario: Mapping[str, Any], directory: Path) -> Iterator[str]:
    """Run the emulator as a process; yield its base URL; stop it afterwards."""
    path = directory / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    command = [sys.executable, "-m", "pulumi_rocketmq_migration.emulator", "--port", "0"]
    command += ["--access-key", AK, "--project-id", PROJECT, "--scenario", str(path)]
    env = {**os.environ, "EMULATOR_SECRET_KEY": SK}  # not on argv, where ps shows it
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://"):
            process.wait(5)
            raise RuntimeError(f"emulator did not start: {process.stderr.read()}")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from _serve(SCENARIO, tmp_path_factory.mktemp("emulator"))


@pytest.fixture(scope="module")
def failing_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    broken = {**SCENARIO, "faults": {"server_errors": 1000}}
    yield from _serve(broken, tmp_path_factory.mktemp("failing"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME of its own, so that no real ~/.huaweicloud/credentials is ever read."""
    return tmp_path


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "HW_ACCESS_KEY": AK,
        "HW_SECRET_KEY": SK,
        "HW_PROJECT_ID": PROJECT,
        # Never the real ECS metadata address: the loopback one tests/conftest.py set.
        "HW_METADATA_ENDPOINT": os.environ["HW_METADATA_ENDPOINT"],
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"],
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v}


# What a test keeps of the outer environment: the loopback addresses conftest set.
KEPT = ("HW_METADATA_ENDPOINT", "HUAWEICLOUD_SDK_IAM_ENDPOINT")


def check_clean(*texts: str) -> None:
    for text in texts:
        assert SK not in text and WRONG_SK not in text
        assert "Traceback" not in text


def run(args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    assert BIN, "the rocketmq-migration console script is not installed in this venv"
    result = subprocess.run(
        [BIN, *args], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    check_clean(result.stdout, result.stderr)
    return result


Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(url: str, home: Path) -> Cli:
    """Run the script against the emulator; keyword arguments add environment variables."""

    def call(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run([*args, "--endpoint", url], environment(home, **env))

    return call


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("rocketmq-migration: error: "), result.stderr
    return lines[-1]


# -- 0: found ------------------------------------------------------------------


def test_list_json_has_the_lookup_outputs(cli: Cli) -> None:
    result = cli("list", "--instance-id", INSTANCE)  # stdout is a pipe: JSON by default
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert list(body) == TASKS_OUTPUTS
    assert body["total"] == 4
    assert body["ids"] == [DONE_ID, OLD_ID, FAILED_ID, STUCK_ID]
    assert set(body["tasks"][0]) == {"id", "name", "start_date", "status", "type"}
    assert body["status_counts"] == {"creating": 0, "starting": 1, "failed": 2, "finished": 1}
    assert (body["instance_id"], body["project_id"], body["region"]) == (INSTANCE, PROJECT, None)


def test_list_filters_on_the_client_side(cli: Cli) -> None:
    result = cli("list", "--instance-id", INSTANCE, "--status", "failed", "--task-type", "rocketmq")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ids"] == [OLD_ID]
    by_name = cli("list", "--instance-id", INSTANCE, "--name", "orders-sync")
    assert json.loads(by_name.stdout)["ids"] == [DONE_ID, OLD_ID]


def test_list_table_is_aligned(cli: Cli) -> None:
    result = cli("list", "--instance-id", INSTANCE, "--output", "table")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.split("\n\n")[0].splitlines()
    assert header.split() == ["TASK", "ID", "NAME", "TYPE", "STATUS", "START", "DATE"]
    column = header.index("STATUS")
    statuses = [row[column:].split()[0] for row in rows]
    assert statuses == ["finished", "failed", "failed", "starting"]
    assert "4 tasks: 1 finished, 2 failed, 1 starting" in result.stdout


def test_common_options_before_the_subcommand(url: str, home: Path) -> None:
    result = run(
        ["--endpoint", url, "--output", "json", "list", "--instance-id", INSTANCE],
        environment(home),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["total"] == 4


def test_get_by_id_shows_what_was_migrated(cli: Cli) -> None:
    result = cli("get", "--instance-id", INSTANCE, "--task-id", DONE_ID)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert list(body) == TASK_OUTPUTS
    assert body["task_id"] == DONE_ID and body["status"] == "finished" and body["finished"]
    assert body["topics"] == ["topic-orders", "topic-refunds"]
    assert body["consumer_groups"] == ["group-billing"]
    assert body["metadata_counts"]["topics"] == 2


def test_get_by_name_takes_the_newest_and_prints_a_table(cli: Cli) -> None:
    result = cli("get", "--instance-id", INSTANCE, "--name", "orders-sync", "--output", "table")
    assert result.returncode == 0, result.stderr
    fields = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert fields["task_id"] == DONE_ID
    assert fields["status"] == "finished"
    assert fields["region"] == "-"
    assert fields["topics"] == "2: topic-orders, topic-refunds"
    assert fields["consumer_groups"] == "1: group-billing"


def test_credentials_from_the_sdk_credentials_file(url: str, home: Path) -> None:
    profile = home / ".huaweicloud" / "credentials"
    profile.parent.mkdir()
    profile.write_text(f"[basic]\nak = {AK}\nsk = {SK}\nproject_id = {PROJECT}\n")
    env = environment(home, HW_ACCESS_KEY="", HW_SECRET_KEY="", HW_PROJECT_ID="")
    result = run(["list", "--instance-id", INSTANCE, "--endpoint", url], env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["project_id"] == PROJECT


# -- wait ----------------------------------------------------------------------


def test_wait_follows_a_timeline_and_reports_each_change(cli: Cli) -> None:
    result = cli("wait", "--instance-id", LIVE_INSTANCE, "--task-id", LIVE_ID, "--interval", "1s")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "finished"
    assert json.loads(result.stdout)["topics"] == ["topic-live"]
    lines = result.stderr.splitlines()
    assert [re.sub(r"^\[\d+s\] ", "", line) for line in lines] == [
        f"live ({LIVE_ID}) is creating",
        f"live ({LIVE_ID}) is starting",
        f"live ({LIVE_ID}) is finished",
    ]
    assert all(re.match(r"^\[\d+s\] ", line) for line in lines)
    assert "\r" not in result.stderr  # no live line when stderr is not a terminal


def test_wait_exits_1_on_a_fail_on_status_and_still_prints_the_task(cli: Cli) -> None:
    result = cli("wait", "--instance-id", INSTANCE, "--name", "legacy-rabbit")
    assert result.returncode == 1
    assert json.loads(result.stdout)["status"] == "failed"
    assert error_line(result) == (
        f"rocketmq-migration: error: migration task 'legacy-rabbit' ({FAILED_ID}) is failed"
    )


def test_wait_fail_on_takes_comma_lists(cli: Cli) -> None:
    result = cli(
        "wait", "--instance-id", INSTANCE, "--task-id", STUCK_ID, "--fail-on", "failed,starting"
    )
    assert result.returncode == 1
    assert "is starting" in error_line(result)


def test_wait_times_out_with_3_and_draws_a_live_line_on_a_terminal(url: str, home: Path) -> None:
    args = ["wait", "--instance-id", INSTANCE, "--task-id", STUCK_ID, "--endpoint", url]
    args += ["--timeout", "1s", "--interval", "1s"]
    assert BIN
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [BIN, *args], env=environment(home), stdout=subprocess.PIPE, stderr=follower
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # EIO once the child has gone
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    stdout, _ = process.communicate(timeout=30)
    stderr = b"".join(chunks).decode()
    check_clean(stdout.decode(), stderr)
    assert process.returncode == 3
    assert json.loads(stdout)["status"] == "starting"
    assert f"stuck ({STUCK_ID}) is starting" in stderr
    assert "\r\x1b[K[" in stderr and "gives up in" in stderr  # the live line
    assert (
        f"rocketmq-migration: error: migration task 'stuck' ({STUCK_ID}) is still starting after"
        in stderr
    )


# -- usage, not found, refused, unavailable ------------------------------------


def test_usage_error_exits_2_with_one_line(cli: Cli) -> None:
    result = cli("get", "--instance-id", INSTANCE, "--task-id", DONE_ID, "--name", "orders-sync")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "rocketmq-migration: error: argument --name: not allowed with argument --task-id "
        "(see 'rocketmq-migration get --help')\n"
    )


# The rest of the usage errors never reach the network: main() in this process is enough.


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--status", "done"], "argument --status: invalid choice: 'done'"),
        (["wait", "--task-id", DONE_ID, "--timeout", "soon"], "argument --timeout: 'soon'"),
        (["wait", "--task-id", DONE_ID, "--for", "finished,done"], "argument --for: 'done'"),
        (["wait", "--task-id", DONE_ID, "--interval", "0s"], "argument --interval: must be"),
        (["get", "--task-id", DONE_ID, "--output", "xml"], "argument --output: invalid choice"),
        (
            ["wait", "--task-id", DONE_ID, "--for", "failed", "--fail-on", "failed"],
            "argument --fail-on: failed is also in wait_for",
        ),
        (["get", "--task-id", ""], "argument --task-id: must be a non-empty string"),
    ],
    ids=[
        "bad-status",
        "bad-timeout",
        "bad-for",
        "zero-interval",
        "bad-output",
        "for-is-fail-on",
        "empty-task-id",
    ],
)
def test_usage_errors_exit_2(
    args: list[str],
    message: str,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in environment(home).items():
        monkeypatch.setenv(name, value)
    assert main([*args, "--instance-id", INSTANCE, "--endpoint", "http://127.0.0.1:9"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("rocketmq-migration: error: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1


def test_missing_credentials_exit_2_and_name_where_it_looked(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith(("HW_", "HUAWEICLOUD_")) and name not in KEPT:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    args = ["list", "--instance-id", INSTANCE, "--endpoint", "http://127.0.0.1:9"]
    assert main([*args, "--project-id", PROJECT]) == 2
    line = capsys.readouterr().err
    assert "$HW_ACCESS_KEY" in line and ".huaweicloud/credentials [basic]" in line
    assert "stack config" not in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["get", "--task-id", "c1100000-0000-4000-8000-0000000000ff"], "does not exist"),
        (["get", "--name", "no-such-task"], "no migration task named 'no-such-task'"),
    ],
    ids=["unknown-id", "unknown-name"],
)
def test_not_found_exits_4(cli: Cli, args: list[str], message: str) -> None:
    result = cli(*args, "--instance-id", INSTANCE)
    assert result.returncode == 4
    assert message in error_line(result)


def test_unknown_instance_exits_4(cli: Cli) -> None:
    result = cli("list", "--instance-id", "no-such-instance")
    assert result.returncode == 4
    assert "does not exist" in error_line(result)


def test_wrong_secret_key_exits_5_without_showing_it(cli: Cli) -> None:
    result = cli("list", "--instance-id", INSTANCE, HW_SECRET_KEY=WRONG_SK)
    assert result.returncode == 5
    assert "HTTP 401" in error_line(result)  # run() has checked neither key is shown


def test_server_errors_past_the_retries_exit_6(failing_url: str, home: Path) -> None:
    args = ["get", "--instance-id", INSTANCE, "--task-id", DONE_ID, "--endpoint", failing_url]
    result = run(args, environment(home, HW_MAX_RETRIES="1"))
    assert result.returncode == 6
    assert re.search(r"HTTP 50[023]", error_line(result))


def test_closed_port_exits_6(home: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = ["list", "--instance-id", INSTANCE, "--endpoint", f"http://127.0.0.1:{port}"]
    result = run(args, environment(home, HW_MAX_RETRIES="1"))
    assert result.returncode == 6
    assert "no answer from 127.0.0.1" in error_line(result)


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (Throttled("slow down", status=429), 6),
        (ServiceUnavailable("down", status=503), 6),
        (InvalidResponse("total", "missing"), 6),
        (ServiceError("bad parameter", status=400, code="DMS.00400000"), 2),
    ],
    ids=["throttled", "unavailable", "invalid-response", "http-400"],
)
def test_exit_codes_of_the_other_service_errors(error: MigrationTaskError, code: int) -> None:
    assert exit_code(error) == code


EXIT_CONSTANTS = sorted(
    value for name, value in vars(exit_codes).items() if name.startswith("EXIT_")
)


def test_help_documents_every_exit_code(home: Path) -> None:
    result = run(["wait", "--help"], environment(home))
    assert result.returncode == 0
    documented = [int(c) for c in re.findall(r"^ *(\d+)  ", result.stdout, re.MULTILINE)]
    assert documented == EXIT_CONSTANTS == [0, 1, 2, 3, 4, 5, 6, 70, 130, 141]


def test_the_cli_page_exit_code_table_is_the_one_in_help() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    assert [int(c) for c in re.findall(r"^\| (\d+) \|", page, re.MULTILINE)] == EXIT_CONSTANTS


def test_help_documents_the_duration_grammar(home: Path) -> None:
    result = run(["wait", "--help"], environment(home))
    text = " ".join(result.stdout.split())
    assert "--timeout DURATION" in text and "--interval DURATION" in text
    assert DURATION_GRAMMAR in text  # the grammar parse_duration checks, word for word


# -- the last resort: a bug is one line and exit 70, never a traceback and exit 1 ----


def test_an_unexpected_exception_is_one_line_and_exit_70(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> int:
        raise ZeroDivisionError("a bug\x1b[2J\nsecond line")

    monkeypatch.setitem(cli_module.COMMANDS, "list", broken)
    for name, value in environment(home).items():
        monkeypatch.setenv(name, value)
    assert main(["list", "--instance-id", INSTANCE, "--endpoint", "http://127.0.0.1:9"]) == 70
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        "rocketmq-migration: error: internal error: ZeroDivisionError: "
        "a bug\\x1b[2J\\nsecond line (please report)\n"
    )


def test_an_internal_error_never_shows_a_key_or_token(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = "tok-secret-0001"

    def broken(*args: object) -> int:
        raise ValueError(f"bad header value {SK!r} and {token!r}")

    monkeypatch.setitem(cli_module.COMMANDS, "get", broken)
    for name, value in environment(home, HW_SECURITY_TOKEN=token).items():
        monkeypatch.setenv(name, value)
    argv = ["get", "--instance-id", INSTANCE, "--task-id", DONE_ID, "--endpoint", "http://[::1]:9"]
    assert main(argv) == 70
    err = capsys.readouterr().err
    assert err == (
        "rocketmq-migration: error: internal error: ValueError: "
        "bad header value '***' and '***' (please report)\n"
    )


def test_a_reader_that_leaves_early_is_exit_141_without_a_traceback(url: str, home: Path) -> None:
    assert BIN
    args = [BIN, "list", "--instance-id", INSTANCE, "--endpoint", url, "--output", "json"]
    reader, writer = os.pipe()
    os.close(reader)  # like `| head -0`: nobody reads stdout
    try:
        result = subprocess.run(
            args, env=environment(home), stdout=writer, stderr=subprocess.PIPE, timeout=30
        )
    finally:
        os.close(writer)
    assert result.returncode == 141
    assert result.stderr == b""  # no traceback, no "Exception ignored" at shutdown


# -- --region on the command line beats an endpoint from the environment -------------


def test_region_on_the_command_line_beats_an_endpoint_from_the_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment(home, HW_DMS_ENDPOINT="http://127.0.0.1:9")
    args = build_parser().parse_args(["list", "--instance-id", INSTANCE, "--region", "cn-north-4"])
    settings = connection_settings(args, env)  # settings decide it (settings.py)
    assert (settings.endpoint, settings.region) == (
        "https://dms.cn-north-4.myhuaweicloud.com",
        "cn-north-4",
    )
    # An endpoint given on the command line still beats the region.
    args = build_parser().parse_args(
        [
            "list",
            "--instance-id",
            INSTANCE,
            "--region",
            "cn-north-4",
            "--endpoint",
            "http://[::1]:9",
        ]
    )
    assert connection_settings(args, env).endpoint == "http://[::1]:9"


def test_a_bad_region_is_not_hidden_by_an_endpoint_from_the_environment(
    url: str, home: Path
) -> None:
    # Before, HW_DMS_ENDPOINT won: the emulator answered, and the output said region "nowhere".
    env = environment(home, HW_DMS_ENDPOINT=url)
    result = run(["list", "--instance-id", INSTANCE, "--region", "nowhere"], env)
    assert result.returncode == 2
    assert error_line(result).startswith(
        "rocketmq-migration: error: region: 'nowhere' is not a region name such as cn-north-4"
    )


# -- total is a hint ---------------------------------------------------------------

SHORT_TOTAL_INSTANCE = "1a2b3c4d-0000-4000-8000-0000000060aa"


@pytest.fixture(scope="module")
def short_total_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """60 tasks, of which the service admits 30 (``total`` is 30 on every page)."""
    scenario = {
        "instances": [{"id": SHORT_TOTAL_INSTANCE, "generate": {"count": 60}}],
        "faults": {"inconsistent_total": -30},
    }
    yield from _serve(scenario, tmp_path_factory.mktemp("short-total"))


@pytest.mark.parametrize("concurrency", ["1", "8"])
def test_a_short_total_still_lists_and_finds_every_task(
    short_total_url: str, home: Path, concurrency: str
) -> None:
    common = ["--instance-id", SHORT_TOTAL_INSTANCE, "--endpoint", short_total_url]
    common += ["--concurrency", concurrency]
    listed = run(["list", *common], environment(home))
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout)["total"] == 60
    # Newest first, 50 a page: task-5 is on page 2.
    found = run(["get", "--name", "task-5", *common], environment(home))
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["name"] == "task-5"


@pytest.mark.parametrize("value", ["0", "33", "x"])
def test_a_bad_concurrency_exits_2_naming_the_option(cli: Cli, value: str) -> None:
    result = cli("list", "--instance-id", INSTANCE, "--concurrency", value)
    assert result.returncode == 2
    assert "argument --concurrency: must be a whole number from 1" in error_line(result)
