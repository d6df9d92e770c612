"""Scenarios: loading and checking them, timelines, and generated tasks at scale."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

from pulumi_rocketmq_migration.emulator import Faults, Scenario
from pulumi_rocketmq_migration.models import TaskPage

from .helpers import LIVE_ID, ROOT, Client, serve

SCENARIO_SCHEMA = json.loads((ROOT / "schema" / "scenario.schema.json").read_text())
DEMO_FILE = ROOT / "provider" / "pulumi_rocketmq_migration" / "emulator" / "demo.json"


def _task(task_id: str, start: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"id": task_id, "name": f"n-{task_id}", "start_date": start}
    body["type"] = extra.pop("type", "rocketmq")
    if "timeline" not in extra:
        body["status"] = extra.pop("status", "finished")
    return {**body, **extra}


def _one(*tasks: dict[str, Any], **instance: Any) -> dict[str, Any]:
    return {"instances": [{"id": "i", "tasks": list(tasks), **instance}]}


def test_the_schema_is_valid_and_the_demo_follows_it() -> None:
    jsonschema.Draft202012Validator.check_schema(SCENARIO_SCHEMA)
    jsonschema.validate(json.loads(DEMO_FILE.read_text()), SCENARIO_SCHEMA)


def test_the_schema_names_every_fault_and_only_those() -> None:
    described = set(SCENARIO_SCHEMA["$defs"]["faults"]["properties"])
    assert described == {field.name for field in attrs.fields(Faults)}


def test_the_demo_has_the_promised_tasks() -> None:
    instance = next(iter(Scenario.demo().instances.values()))
    assert instance.name == "demo-instance"
    kinds = {(t.type, t.timeline[-1].status, len(t.timeline) > 1) for t in instance.tasks}
    assert kinds == {
        ("rabbitToRocket", "finished", False),
        ("rocketmq", "finished", False),
        ("rocketmq", "finished", True),
        ("rabbitToRocket", "failed", False),
    }


def test_a_scenario_loads_from_a_file(tmp_path: Path) -> None:
    body = _one(_task("a", "2024-01-01 00:00:00.00"), generate={"count": 3})
    jsonschema.validate(body, SCENARIO_SCHEMA)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(body))
    assert len(Scenario.load(path).instances["i"].tasks) == 4


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"instances": [{"tasks": []}]}, r"\$\.instances\[0\]\.id: missing"),
        (_one({"id": "a", "name": "a", "start_date": "d", "type": "t"}), "exactly one of"),
        (_one(_task("a", "d", timeline=[{"status": "x"}], status="y")), "exactly one of"),
        (_one(_task("a", "d", timeline=[])), r"tasks\[0\]\.timeline"),
        (_one(_task("a", "d", timeline=[{"status": "x", "after_reads": -1}])), "after_reads"),
        (_one(_task("a", "d", timeline=[{"status": "x", "after_seconds": "1"}])), "after_seconds"),
        (_one(_task("a", "d", colour="red")), "colour"),
        (_one(_task("a", "d", metadata={"vhosts": ["v"]})), r"metadata\.vhosts\[0\]"),
        (_one(generate={"count": -1}), r"generate\.count"),
        (_one(generate={"count": 1, "start_date": "May"}), r"generate\.start_date"),
        ({"instances": [], "faults": {"throttle": -1}}, "throttle"),
        ([], "expected an object"),
    ],
)
def test_a_bad_scenario_is_refused_naming_where(body: Any, where: str) -> None:
    with pytest.raises(ValueError, match=where):
        Scenario.from_dict(body)
    assert not jsonschema.Draft202012Validator(SCENARIO_SCHEMA).is_valid(body)


def test_duplicate_ids_are_refused() -> None:
    # Beyond what the JSON Schema can say.
    with pytest.raises(ValueError, match="duplicate task id a"):
        Scenario.from_dict(_one(_task("a", "d"), _task("a", "e")))
    with pytest.raises(ValueError, match="duplicate instance id"):
        Scenario.from_dict({"instances": [{"id": "i"}, {"id": "i"}]})
    generated = Scenario.from_dict(_one(generate={"count": 2})).instances["i"].tasks[0].id
    with pytest.raises(ValueError, match="duplicate task id"):
        Scenario.from_dict(_one(_task(generated, "d"), generate={"count": 2}))


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        Scenario.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        Scenario.load(tmp_path / "bad.json")


def _status(client: Client, task_id: str, instance: str) -> str:
    status: str = client.get(instance, [("id", task_id)]).json()["task"][0]["status"]
    return status


def test_a_timeline_by_reads_moves_with_each_answer_including_the_task(client: Client) -> None:
    instance = next(iter(Scenario.demo().instances))
    # creating; starting after 1 read; finished after 3. A list page is a read too.
    assert _status(client, LIVE_ID, instance) == "creating"
    listed = TaskPage.from_json(client.get(instance).json())
    assert {t.id: t.status for t in listed.tasks}[LIVE_ID] == "starting"
    assert _status(client, LIVE_ID, instance) == "starting"
    detail = client.get(instance, [("id", LIVE_ID), ("type", "all")]).json()
    assert detail["status"] == "finished"
    assert _status(client, LIVE_ID, instance) == "finished"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_timeline_by_seconds_counts_from_the_start() -> None:
    timeline = [
        {"status": "creating"},
        {"status": "starting", "after_seconds": 5},
        {"status": "finished", "after_seconds": 10, "after_reads": 2},
    ]
    clock = FakeClock()
    with serve(Scenario.from_dict(_one(_task("t", "d", timeline=timeline))), clock=clock) as emu:
        client = Client(emu)
        assert _status(client, "t", "i") == "creating"
        clock.now += 5
        assert _status(client, "t", "i") == "starting"
        clock.now += 5  # 10 s, and 2 earlier reads: both conditions hold
        assert _status(client, "t", "i") == "finished"


def test_a_timeline_by_real_seconds() -> None:
    timeline = [{"status": "starting"}, {"status": "failed", "after_seconds": 0.3}]
    with serve(Scenario.from_dict(_one(_task("t", "d", timeline=timeline)))) as emu:
        client = Client(emu)
        assert _status(client, "t", "i") == "starting"
        time.sleep(0.35)
        assert _status(client, "t", "i") == "failed"


def test_a_timeline_whose_first_step_waits_starts_with_that_step() -> None:
    scenario = Scenario.from_dict(
        _one(_task("t", "d", timeline=[{"status": "creating", "after_reads": 5}]))
    )
    spec = scenario.instances["i"].tasks[0]
    assert spec.status_at(0.0, 0) == "creating"


def test_own_and_generated_tasks_merge_newest_first() -> None:
    body = _one(
        _task("newest", "2030-01-01 00:00:00.00"),
        _task("middle", "2024-01-01 00:05:00.00"),  # same date as generated index 5
        _task("oldest", "2000-01-01 00:00:00.00"),
        generate={"count": 10, "start_date": "2024-01-01 00:00:00", "name_prefix": "g"},
    )
    instance = Scenario.from_dict(body).instances["i"]
    names = [t.name for t in instance.tasks[0 : len(instance.tasks)]]
    assert names == [
        "n-newest", "g9", "g8", "g7", "g6", "n-middle", "g5", "g4", "g3", "g2", "g1", "g0",
        "n-oldest",
    ]  # fmt: skip
    assert [t.name for t in instance.tasks[4:7]] == ["g6", "n-middle", "g5"]
    assert instance.tasks[-1].name == "n-oldest"
    for spec in instance.tasks[0:13]:
        found = instance.find(spec.id)
        assert found is not None and found.name == spec.name
    assert instance.find(instance.tasks[1].id[:-1] + "f") is None  # index 15 >= count


def test_100000_generated_tasks_page_correctly_and_fast() -> None:
    started = time.monotonic()
    scenario = Scenario.from_dict({"instances": [{"id": "big", "generate": {"count": 100_000}}]})
    assert time.monotonic() - started < 0.5
    with serve(scenario) as emu:
        client = Client(emu)
        seen: list[str] = []
        for offset in (1, 2, 1000, 2000):
            started = time.monotonic()
            body = client.get("big", [("offset", str(offset)), ("limit", "50")]).json()
            assert time.monotonic() - started < 0.5
            assert body["total"] == 100_000
            names = [t["name"] for t in body["task"]]
            first = 100_000 - 1 - (offset - 1) * 50
            assert names == [f"task-{i}" for i in range(first, first - 50, -1)]
            seen += [t["id"] for t in body["task"]]
        assert len(set(seen)) == 200
        past = client.get("big", [("offset", "2001"), ("limit", "50")]).json()
        assert past == {"total": 100_000, "task": []}
        started = time.monotonic()
        one = client.get("big", [("id", seen[-1])]).json()
        assert time.monotonic() - started < 0.5
        assert one["task"][0]["name"] == "task-0"
