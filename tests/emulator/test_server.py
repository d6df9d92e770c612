"""The endpoint (server.py): the request log, its JSON-lines file, concurrent clients, lifecycle."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import requests

from pulumi_rocketmq_migration.emulator import Emulator, Scenario

from .helpers import DEMO, DEMO_INSTANCE, SK, TOKEN, Client, metadata_path, serve


def test_every_request_is_recorded_with_credentials_blanked(
    client: Client, emulator: Emulator
) -> None:
    client.get(query=[("limit", "2"), ("offset", "1")])
    client.get(secret_key="wrong")
    client.get(token=TOKEN, headers={"X-Security-Token": "sts"})
    ok, refused, token = emulator.requests
    assert ok.method == "GET" and ok.status == 200
    assert ok.path == metadata_path(DEMO_INSTANCE.id)
    assert ok.query == (("limit", "2"), ("offset", "1"))
    assert ok.header("Authorization") == "<redacted>"
    assert ok.header("X-Sdk-Date") is not None
    assert refused.status == 401
    assert token.header("X-Auth-Token") == "<redacted>"
    assert token.header("X-Security-Token") == "<redacted>"
    assert ok.time <= refused.time <= token.time
    emulator.clear_requests()
    assert emulator.requests == []


def test_the_record_file_gets_one_json_line_per_request(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    with serve(DEMO, record=path) as emu:
        client = Client(emu)
        client.get()
        client.request("POST", metadata_path(DEMO_INSTANCE.id))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["method"], r["status"]) for r in lines] == [("GET", 200), ("POST", 405)]
    assert lines[0]["headers"]["Authorization"] == "<redacted>"
    assert lines[0]["request_id"] == emu.requests[0].request_id
    assert SK not in path.read_text()
    assert "Signature=" not in path.read_text()


def test_concurrent_clients_get_consistent_answers(emulator: Emulator) -> None:
    expected = Client(emulator).get(query=[("limit", "3"), ("offset", "2")]).json()
    failures: list[str] = []

    def work() -> None:
        client = Client(emulator)
        for _ in range(50):
            body = client.get(query=[("limit", "3"), ("offset", "2")]).json()
            if body != expected:
                failures.append(json.dumps(body))
        client.session.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(emulator.requests) == 1 + 8 * 50
    assert len({r.request_id for r in emulator.requests}) == 401


def test_concurrent_reads_are_all_counted() -> None:
    timeline = [{"status": "creating"}, {"status": "finished", "after_reads": 200}]
    task = {"id": "t", "name": "t", "start_date": "d", "type": "rocketmq", "timeline": timeline}
    with serve(Scenario.from_dict({"instances": [{"id": "i", "tasks": [task]}]})) as emu:

        def work() -> None:
            client = Client(emu)
            for _ in range(25):
                client.get("i")

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert Client(emu).get("i").json()["task"][0]["status"] == "finished"


def test_the_emulator_starts_once_and_stops_cleanly() -> None:
    emu = serve(DEMO)
    with pytest.raises(RuntimeError):
        _ = emu.base_url
    with emu:
        url = emu.base_url
        assert url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError):
            emu.start()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)
    emu.stop()  # idempotent
