"""``python -m pulumi_rocketmq_migration.emulator``: the URL first, serve until SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_rocketmq_migration.emulator import emulator_process

from .helpers import AK, DEMO_INSTANCE, PROJECT, SK, TOKEN, Client

ARGS = ["--access-key", AK, "--project-id", PROJECT]
COMMAND = [sys.executable, "-m", "pulumi_rocketmq_migration.emulator", "--port", "0"]


def _start(*extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    keys = {"EMULATOR_SECRET_KEY": SK, "EMULATOR_TOKENS": f"other-token, {TOKEN}"}
    env = {**os.environ, **keys} if env is None else env
    return subprocess.Popen(
        [*COMMAND, *ARGS, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _serves_with_the_key(process: subprocess.Popen[str]) -> tuple[str, str]:
    """Check a request signed with SK is served; return the argv ps shows, and stderr."""
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.communicate(timeout=10)
        assert Client(url).get(DEMO_INSTANCE.id).status_code == 200
        with open(f"/proc/{process.pid}/cmdline", "rb") as cmdline:
            shown = cmdline.read().replace(b"\0", b" ").decode()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
        assert process.returncode == 0
        return shown, err
    finally:
        process.kill()
        process.communicate()


def test_it_prints_the_url_first_and_stops_on_sigterm(tmp_path: Path) -> None:
    record = tmp_path / "requests.jsonl"
    process = _start("--record", str(record))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        client = Client(url)
        assert client.get(DEMO_INSTANCE.id).json()["total"] == 4
        assert client.get(DEMO_INSTANCE.id, token=TOKEN).status_code == 200
        assert client.get(DEMO_INSTANCE.id, token="other-token").status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()
    methods = [json.loads(line)["method"] for line in record.read_text().splitlines()]
    assert methods == ["GET", "GET", "GET"]


def test_it_serves_a_scenario_file_and_stops_on_sigint(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"instances": [{"id": "i", "generate": {"count": 3}}]}))
    process = _start("--scenario", str(scenario))
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert Client(url).get("i").json()["total"] == 3
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()


def test_a_bad_scenario_exits_2_saying_why(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"instances": [{"tasks": []}]}))
    process = _start("--scenario", str(scenario))
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert out == ""
    assert "$.instances[0].id: missing" in err


def test_the_secret_key_comes_from_the_environment_not_argv() -> None:
    shown, err = _serves_with_the_key(_start())
    assert "pulumi_rocketmq_migration.emulator" in shown and SK not in shown
    assert "warning" not in err


def test_the_secret_key_comes_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "sk"
    key_file.write_text(SK + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "EMULATOR_SECRET_KEY"}
    shown, _ = _serves_with_the_key(_start("--secret-key-file", str(key_file), env=env))
    assert SK not in shown


def test_the_old_argv_form_still_works_with_a_warning() -> None:
    env = {k: v for k, v in os.environ.items() if k != "EMULATOR_SECRET_KEY"}
    _, err = _serves_with_the_key(_start("--secret-key", SK, env=env))
    assert "warning: --secret-key shows the key to anyone who can list processes" in err


def test_tokens_come_from_the_environment_and_argv_only_with_a_warning() -> None:
    env = {k: v for k, v in os.environ.items() if k != "EMULATOR_TOKENS"}
    process = _start("--token", TOKEN, env={**env, "EMULATOR_SECRET_KEY": SK})
    try:
        assert process.stdout is not None
        client = Client(process.stdout.readline().strip())
        assert client.get(DEMO_INSTANCE.id, token=TOKEN).status_code == 200
        assert client.get(DEMO_INSTANCE.id, token="other-token", check=False).status_code == 401
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    finally:
        process.kill()
        process.communicate()
    assert "warning: --token shows the token to anyone who can list processes" in err


@pytest.mark.parametrize(
    ("extra", "with_env", "message"),
    [
        ([], False, "none given"),
        (["--secret-key-file", "/nonexistent/sk"], False, "cannot read /nonexistent/sk"),
        (["--secret-key", "x"], True, "$EMULATOR_SECRET_KEY and --secret-key given"),
    ],
    ids=["none", "missing-file", "two-places"],
)
def test_a_missing_or_doubled_secret_key_exits_2(
    extra: list[str], with_env: bool, message: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "EMULATOR_SECRET_KEY"}
    if with_env:
        env["EMULATOR_SECRET_KEY"] = SK
    process = _start(*extra, env=env)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2 and out == ""
    assert message in err and SK not in err and "Traceback" not in err


def test_emulator_process_hands_the_key_over_in_the_environment() -> None:
    with emulator_process("--access-key", AK, "--project-id", PROJECT, secret_key=SK) as url:
        assert Client(url).get(DEMO_INSTANCE.id).status_code == 200
