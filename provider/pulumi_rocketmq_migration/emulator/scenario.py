"""What the emulator serves: instances, their tasks and faults, read from a scenario.

A scenario is JSON described by ``schema/scenario.schema.json``. jsonschema is not a
runtime dependency, so the structure is checked here by hand; a ValueError names the
JSON path of the bad value. Everything a request needs is computed once at load time:
each instance's tasks sorted newest first and an index by id, so a page is a slice.

A task has a fixed ``status`` or a ``timeline``: its status is that of the last step
whose conditions all hold (the first step's when none does). ``after_seconds`` holds
once that many seconds have passed since the emulator started; ``after_reads`` holds
once that many earlier answers included the task (a list page counts for each task on
it, and so do the one-task and detail forms, even when a fault then spoils the body).

``generate`` adds ``count`` deterministic tasks to an instance, made on demand: ids
are UUID-shaped (derived from the instance id, the index in hex as the last group),
names ``<name_prefix><index>``, start dates one minute apart from ``start_date``, so
the newest has the highest index.

What a task is once loaded (timelines, generated tasks, the merged order) is
``tasks.py``'s; ``iam`` is read into what the IAM facet knows (``iam_spec.py``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import attrs

from .faults import Faults
from .iam_spec import IamSpec
from .shape import member, only, text
from .tasks import Generated, Instance, Step, TaskSpec

START_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_GENERATED_NAMESPACE = uuid.UUID("5d7c1f0e-3a52-4c8e-9a0b-6f1e2d3c4b5a")


@attrs.frozen(eq=False)
class Scenario:
    """Everything the emulator serves, checked and indexed."""

    instances: Mapping[str, Instance]
    faults: Faults = attrs.field(factory=Faults)
    iam: IamSpec = attrs.field(factory=IamSpec)

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        try:
            source = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read scenario {path}: {exc.strerror}") from None
        try:
            body = json.loads(source)
        except ValueError as exc:
            raise ValueError(f"scenario {path} is not valid JSON: {exc}") from None
        return cls.from_dict(body)

    @classmethod
    def demo(cls) -> Scenario:
        """The built-in demo scenario (package data ``demo.json``)."""
        demo = resources.files(__package__).joinpath("demo.json").read_text(encoding="utf-8")
        return cls.from_dict(json.loads(demo))

    @classmethod
    def from_dict(cls, body: Any) -> Scenario:
        body = only(body, {"$schema", "instances", "faults", "iam"}, "$")
        raw = member(body, "instances", list, "$")
        instances: dict[str, Instance] = {}
        for i, item in enumerate(raw):
            instance = _instance(item, f"$.instances[{i}]")
            if instance.id in instances:
                raise ValueError(f"$.instances[{i}].id: duplicate instance id {instance.id}")
            instances[instance.id] = instance
        faults = Faults.from_dict(member(body, "faults", dict, "$", {}))
        iam = IamSpec.from_dict(member(body, "iam", dict, "$", {}))
        return cls(instances=instances, faults=faults, iam=iam)


def _instance(item: Any, path: str) -> Instance:
    item = only(item, {"id", "name", "tasks", "generate"}, path)
    instance_id = text(item, "id", path)
    name = text(item, "name", path, instance_id)
    raw = member(item, "tasks", list, path, [])
    tasks = [_task(t, f"{path}.tasks[{j}]") for j, t in enumerate(raw)]
    generated = None
    if "generate" in item:
        generated = _generate(instance_id, item["generate"], f"{path}.generate")
    return Instance.of(instance_id, name, tasks, generated)


def _task(item: Any, path: str) -> TaskSpec:
    keys = {"id", "name", "start_date", "type", "status", "timeline", "metadata"}
    item = only(item, keys, path)
    if ("status" in item) == ("timeline" in item):
        raise ValueError(f"{path}: give exactly one of status and timeline")
    if "status" in item:
        timeline: tuple[Step, ...] = (Step(text(item, "status", path)),)
    else:
        steps = member(item, "timeline", list, path)
        if not steps:
            raise ValueError(f"{path}.timeline: must not be empty")
        timeline = tuple(_step(s, f"{path}.timeline[{k}]") for k, s in enumerate(steps))
    return TaskSpec(
        id=text(item, "id", path),
        name=text(item, "name", path),
        start_date=text(item, "start_date", path),
        type=text(item, "type", path),
        timeline=timeline,
        metadata=_metadata(member(item, "metadata", dict, path, {}), f"{path}.metadata"),
    )


def _step(item: Any, path: str) -> Step:
    item = only(item, {"status", "after_seconds", "after_reads"}, path)
    seconds = item.get("after_seconds")
    reads = member(item, "after_reads", int, path, None)
    if seconds is not None and (
        not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0
    ):
        raise ValueError(f"{path}.after_seconds: must be a non-negative number, got {seconds!r}")
    if reads is not None and reads < 0:
        raise ValueError(f"{path}.after_reads: must be a non-negative integer")
    return Step(
        text(item, "status", path),
        float(seconds) if seconds is not None else None,
        reads,
    )


_TABLES = ("topicConfigTable", "subscriptionGroupTable")
_LISTS = ("vhosts", "exchanges", "queues", "bindings")


def _metadata(body: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """Check the json_content shape: two tables keyed by name, four lists of objects."""
    only(body, set(_TABLES + _LISTS), path)
    for key in _TABLES:
        for name, entry in member(body, key, dict, path, {}).items():
            if not isinstance(entry, Mapping):
                raise ValueError(f"{path}.{key}.{name}: expected an object")
    for key in _LISTS:
        for k, entry in enumerate(member(body, key, list, path, [])):
            if not isinstance(entry, Mapping):
                raise ValueError(f"{path}.{key}[{k}]: expected an object")
    return body


def _generate(instance_id: str, item: Any, path: str) -> Generated:
    keys = {"count", "type", "status", "name_prefix", "start_date"}
    item = only(item, keys, path)
    count = member(item, "count", int, path)
    if count < 0:
        raise ValueError(f"{path}.count: must not be negative")
    start_text = text(item, "start_date", path, "2024-01-01 00:00:00")
    try:
        start = datetime.strptime(start_text, START_DATE_FORMAT)
    except ValueError:
        raise ValueError(f"{path}.start_date: expected {START_DATE_FORMAT}") from None
    return Generated(
        count=count,
        id_prefix=str(uuid.uuid5(_GENERATED_NAMESPACE, instance_id))[:24],
        name_prefix=member(item, "name_prefix", str, path, "task-"),
        start=start,
        type=text(item, "type", path, "rocketmq"),
        status=text(item, "status", path, "finished"),
    )
