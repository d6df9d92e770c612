"""Each injected fault, from a scenario or set at runtime, over real HTTP."""

from __future__ import annotations

import json
import time

import pytest
import requests

from pulumi_rocketmq_migration.emulator import Emulator, Faults, Scenario
from pulumi_rocketmq_migration.emulator.faults import TRICKLE_SECONDS

from .helpers import ROCKET_ID, Client, generated, serve


def _statuses(client: Client, n: int, instance: str | None = None) -> list[int]:
    kw = {"instance_id": instance} if instance else {}
    return [client.get(**kw, check=False).status_code for _ in range(n)]


def test_throttle_answers_429_with_retry_after(client: Client, emulator: Emulator) -> None:
    emulator.set_faults(Faults(throttle=2, retry_after=3))
    first = client.get()
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "3"
    assert first.json()["error_code"] == "APIGW.0308"
    assert _statuses(client, 2) == [429, 200]


def test_server_errors_are_a_burst_of_5xx(client: Client, emulator: Emulator) -> None:
    emulator.set_faults(Faults(server_errors=4))
    responses = [client.get() for _ in range(5)]
    assert [r.status_code for r in responses] == [500, 502, 503, 500, 200]
    assert [r.json().get("error_code") for r in responses[:3]] == [
        "DMS.00500000",
        "APIGW.0202",
        "APIGW.0202",
    ]
    emulator.set_faults(Faults(server_errors=2, server_error_statuses=(504,)))
    assert _statuses(client, 3) == [504, 504, 200]


def test_faults_take_requests_in_order(client: Client, emulator: Emulator) -> None:
    emulator.set_faults(Faults(throttle=1, server_errors=1, malformed_json=1))
    assert _statuses(client, 3) == [429, 500, 200]
    assert client.get().json()["total"] == 4  # the malformed answer was the third


def test_latency_delays_every_answer(client: Client, emulator: Emulator) -> None:
    emulator.set_faults(Faults(latency_seconds=0.3))
    for _ in range(2):
        started = time.monotonic()
        assert client.get().status_code == 200
        assert time.monotonic() - started >= 0.3


def test_reset_drops_the_connection_without_an_answer(client: Client, emulator: Emulator) -> None:
    emulator.set_faults(Faults(reset=2))
    for _ in range(2):
        with pytest.raises(requests.ConnectionError):
            client.get()
    assert client.get().status_code == 200
    assert [r.status for r in emulator.requests] == [None, None, 200]


def test_malformed_json_is_a_200_that_does_not_parse(client: Client, emulator: Emulator) -> None:
    emulator.set_faults(Faults(malformed_json=1))
    response = client.get(check=False)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(response.content))
    with pytest.raises(ValueError):
        json.loads(response.content)
    assert client.get().status_code == 200


def test_malformed_json_spares_error_answers(client: Client, emulator: Emulator) -> None:
    emulator.set_faults(Faults(malformed_json=1))
    assert client.get(query=[("limit", "0")]).status_code == 400  # parsed by check_shape
    with pytest.raises(ValueError):
        client.get()


def test_truncated_json_with_the_full_length_breaks_the_read(
    client: Client, emulator: Emulator
) -> None:
    emulator.set_faults(Faults(truncated_json=1))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        client.get()
    assert client.get().status_code == 200


def test_trickle_sends_the_body_a_byte_at_a_time(client: Client, emulator: Emulator) -> None:
    one = [("id", ROCKET_ID)]
    whole = client.get(query=one).content
    emulator.set_faults(Faults(trickle=1))
    started = time.monotonic()
    with client.get(query=one, stream=True) as slow:
        first = slow.raw.read(3)
        took = time.monotonic() - started
    assert first == whole[:3]
    assert 3 * TRICKLE_SECONDS <= took < 3 * TRICKLE_SECONDS + 1
    assert client.get(query=one).content == whole  # one answer only


def test_truncated_json_with_a_short_length_is_half_a_document(
    client: Client, emulator: Emulator
) -> None:
    one = [("id", ROCKET_ID)]  # a task whose status does not change between reads
    whole = client.get(query=one).content
    emulator.set_faults(Faults(truncated_json=1, truncated_full_length=False))
    response = client.get(query=one, check=False)
    assert response.content == whole[: len(whole) // 2]
    assert response.headers["Content-Length"] == str(len(response.content))
    with pytest.raises(ValueError):
        response.json()


def test_limit_cap_serves_pages_of_the_capped_size() -> None:
    with serve(generated(20)) as emu:
        client = Client(emu)
        everything = [t["id"] for t in client.get("gen", [("limit", "50")]).json()["task"]]
        emu.set_faults(Faults(limit_cap=3))
        page2 = client.get("gen", [("offset", "2"), ("limit", "10")]).json()
        assert page2["total"] == 20
        assert [t["id"] for t in page2["task"]] == everything[3:6]
        last = client.get("gen", [("offset", "7"), ("limit", "10")]).json()
        assert [t["id"] for t in last["task"]] == everything[18:20]


def test_inconsistent_total_reports_a_wrong_total(client: Client, emulator: Emulator) -> None:
    emulator.set_faults(Faults(inconsistent_total=5))
    assert client.get().json()["total"] == 9
    assert client.get().json()["total"] == 9


def test_total_drift_changes_the_total_between_pages() -> None:
    with serve(generated(30)) as emu:
        emu.set_faults(Faults(total_drift=2))
        client = Client(emu)
        totals = [client.get("gen", [("offset", str(n))]).json()["total"] for n in (1, 2, 3)]
        assert totals == [30, 32, 34]


def test_the_total_faults_leave_the_one_task_form_alone(client: Client, emulator: Emulator) -> None:
    emulator.set_faults(Faults(inconsistent_total=5, limit_cap=1))
    task_id = client.get().json()["task"][0]["id"]
    assert client.get(query=[("id", task_id)]).json()["total"] == 1


def test_a_scenario_brings_its_faults() -> None:
    scenario = Scenario.from_dict({"instances": [{"id": "i"}], "faults": {"throttle": 1}})
    with serve(scenario) as emu:
        assert _statuses(Client(emu), 2, "i") == [429, 200]


def test_setting_faults_restarts_their_counters(client: Client, emulator: Emulator) -> None:
    emulator.faults = Faults(throttle=1)
    assert _statuses(client, 2) == [429, 200]
    emulator.faults = Faults(throttle=1)
    assert emulator.faults == Faults(throttle=1)
    assert _statuses(client, 2) == [429, 200]
    emulator.set_faults(Faults())
    assert _statuses(client, 1) == [200]


@pytest.mark.parametrize(
    "bad",
    [
        {"throttle": -1},
        {"throttle": "2"},
        {"server_error_statuses": [404]},
        {"server_error_statuses": []},
        {"limit_cap": 0},
        {"latency_seconds": -1},
        {"retries": 1},
    ],
)
def test_bad_faults_are_refused_naming_the_key(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        Faults.from_dict(bad)
