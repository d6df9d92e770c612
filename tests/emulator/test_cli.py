"""``python -m pulumi_rocketmq_migration.emulator``: the URL first, serve until SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from .helpers import AK, DEMO_INSTANCE, PROJECT, SK, TOKEN, Client

ARGS = ["--access-key", AK, "--secret-key", SK, "--project-id", PROJECT, "--token", TOKEN]


def _start(*extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pulumi_rocketmq_migration.emulator", "--port", "0"]
    return subprocess.Popen(
        [*command, *ARGS, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


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
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()
    methods = [json.loads(line)["method"] for line in record.read_text().splitlines()]
    assert methods == ["GET", "GET"]


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
