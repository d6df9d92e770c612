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

``iam`` is what the emulator's IAM facet knows (see ``iam.py``): identity providers
and the id tokens each accepts, agencies, the projects of each region, and how long
the temporary keys it issues live.
"""

from __future__ import annotations

import bisect
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, overload

import attrs

from ..models import MetadataTask
from .faults import Faults

START_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_GENERATED_NAMESPACE = uuid.UUID("5d7c1f0e-3a52-4c8e-9a0b-6f1e2d3c4b5a")
_HEX12 = re.compile(r"[0-9a-f]{12}")


def _where(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def _get(body: Mapping[str, Any], key: str, kind: type, path: str, default: Any = ...) -> Any:
    if key not in body:
        if default is ...:
            raise ValueError(f"{_where(path, key)}: missing")
        return default
    value = body[key]
    if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
        raise ValueError(f"{_where(path, key)}: expected {kind.__name__}, got {value!r}")
    return value


def _text(body: Mapping[str, Any], key: str, path: str, default: Any = ...) -> Any:
    value = _get(body, key, str, path, default)
    if value == "":
        raise ValueError(f"{_where(path, key)}: must not be empty")
    return value


def _only(body: Any, keys: set[str], path: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise ValueError(f"{path}: expected an object, got {type(body).__name__}")
    unknown = sorted(set(body) - keys)
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)}")
    return body


@attrs.frozen
class Step:
    """One step of a timeline: ``status`` once every given condition holds."""

    status: str
    after_seconds: float | None = None
    after_reads: int | None = None

    def holds(self, elapsed: float, reads: int) -> bool:
        return (self.after_seconds is None or elapsed >= self.after_seconds) and (
            self.after_reads is None or reads >= self.after_reads
        )


@attrs.frozen(eq=False)
class TaskSpec:
    """A task as the scenario describes it: fixed fields, a timeline, what it migrated."""

    id: str
    name: str
    start_date: str
    type: str
    timeline: tuple[Step, ...]
    metadata: Mapping[str, Any] = attrs.field(factory=dict)

    @property
    def changes(self) -> bool:
        """Whether the status can change (so reads of it must be counted)."""
        return len(self.timeline) > 1 or any(
            s.after_seconds is not None or s.after_reads is not None for s in self.timeline
        )

    def status_at(self, elapsed: float, reads: int) -> str:
        status = self.timeline[0].status
        for step in self.timeline:
            if step.holds(elapsed, reads):
                status = step.status
        return status

    def task(self, status: str) -> MetadataTask:
        return MetadataTask(
            id=self.id, name=self.name, start_date=self.start_date, status=status, type=self.type
        )


@attrs.frozen
class Generated:
    """``count`` look-alike tasks made on demand from their index, so any count is cheap.

    Index i starts i minutes after ``start``; its id is ``id_prefix`` (the first four
    groups of a UUID) followed by i as twelve hex digits, so an id maps back to its index.
    """

    count: int
    id_prefix: str
    name_prefix: str
    start: datetime
    type: str
    status: str

    def start_date(self, index: int) -> str:
        return (self.start + timedelta(minutes=index)).isoformat(sep=" ") + ".00"

    def spec(self, index: int) -> TaskSpec:
        return TaskSpec(
            id=f"{self.id_prefix}{index:012x}",
            name=f"{self.name_prefix}{index}",
            start_date=self.start_date(index),
            type=self.type,
            timeline=(Step(self.status),),
        )

    def index_of(self, task_id: str) -> int | None:
        tail = task_id[len(self.id_prefix) :]
        if not task_id.startswith(self.id_prefix) or not _HEX12.fullmatch(tail):
            return None
        index = int(tail, 16)
        return index if index < self.count else None

    def newer_than(self, start_date: str) -> int:
        """How many of these tasks start strictly after ``start_date``."""
        return self.count - bisect.bisect_right(range(self.count), start_date, key=self.start_date)


class TaskList(Sequence[TaskSpec]):
    """An instance's tasks newest first: its own tasks merged with generated ones.

    Where each own task lands in the merged order is worked out once; an item is then
    found by bisecting those positions, and generated items are made as they are read.
    On equal start dates own tasks come first, in the scenario's order.
    """

    def __init__(self, own: Sequence[TaskSpec], generated: Generated | None) -> None:
        self._own = tuple(sorted(own, key=lambda t: t.start_date, reverse=True))
        self._generated = generated
        newer = generated.newer_than if generated is not None else (lambda _: 0)
        self._positions = [j + newer(t.start_date) for j, t in enumerate(self._own)]
        self._length = len(own) + (generated.count if generated is not None else 0)

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> TaskSpec: ...

    @overload
    def __getitem__(self, index: slice) -> list[TaskSpec]: ...

    def __getitem__(self, index: int | slice) -> TaskSpec | list[TaskSpec]:
        if isinstance(index, slice):
            return [self._at(k) for k in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("task index out of range")
        return self._at(index)

    def _at(self, position: int) -> TaskSpec:
        before = bisect.bisect_left(self._positions, position)  # own tasks ahead of it
        if before < len(self._positions) and self._positions[before] == position:
            return self._own[before]
        assert self._generated is not None
        rank = position - before  # among generated tasks, newest first
        return self._generated.spec(self._generated.count - 1 - rank)


@attrs.frozen(eq=False)
class Instance:
    """An instance and its tasks, newest first."""

    id: str
    name: str
    tasks: TaskList
    own: Mapping[str, TaskSpec]
    generated: Generated | None = None

    @classmethod
    def of(
        cls, id: str, name: str, tasks: Sequence[TaskSpec], generated: Generated | None = None
    ) -> Instance:
        own: dict[str, TaskSpec] = {}
        for task in tasks:
            if task.id in own or (
                generated is not None and generated.index_of(task.id) is not None
            ):
                raise ValueError(f"instance {id}: duplicate task id {task.id}")
            own[task.id] = task
        return cls(id=id, name=name, tasks=TaskList(tasks, generated), own=own, generated=generated)

    def find(self, task_id: str) -> TaskSpec | None:
        """The task with this id, or None."""
        if task_id in self.own:
            return self.own[task_id]
        if self.generated is not None:
            index = self.generated.index_of(task_id)
            if index is not None:
                return self.generated.spec(index)
        return None


@attrs.frozen
class Agency:
    """An agency that may be assumed: its name, and the domain it belongs to."""

    name: str
    domain_name: str
    domain_id: str


@attrs.frozen
class Project:
    id: str
    region: str


@attrs.frozen
class IamSpec:
    """What IAM knows: identity providers (id -> accepted id tokens), agencies, projects,
    and the longest life of the temporary keys it issues (None: as long as asked)."""

    identity_providers: Mapping[str, frozenset[str]] = attrs.field(factory=dict, repr=False)
    agencies: tuple[Agency, ...] = ()
    projects: tuple[Project, ...] = ()
    key_lifetime_seconds: float | None = None

    @classmethod
    def from_dict(cls, body: Any, path: str = "$.iam") -> IamSpec:
        keys = {"identity_providers", "agencies", "projects", "key_lifetime_seconds"}
        body = _only(body, keys, path)
        providers: dict[str, frozenset[str]] = {}
        for i, item in enumerate(_get(body, "identity_providers", list, path, [])):
            where = f"{path}.identity_providers[{i}]"
            item = _only(item, {"id", "id_tokens"}, where)
            tokens = _get(item, "id_tokens", list, where)
            if not all(isinstance(t, str) and t for t in tokens):
                raise ValueError(f"{where}.id_tokens: expected non-empty strings")
            providers[_text(item, "id", where)] = frozenset(tokens)
        agencies = []
        for i, item in enumerate(_get(body, "agencies", list, path, [])):
            where = f"{path}.agencies[{i}]"
            item = _only(item, {"name", "domain_name", "domain_id"}, where)
            agencies.append(
                Agency(
                    _text(item, "name", where),
                    _text(item, "domain_name", where),
                    _text(item, "domain_id", where),
                )
            )
        projects = []
        for i, item in enumerate(_get(body, "projects", list, path, [])):
            where = f"{path}.projects[{i}]"
            item = _only(item, {"id", "region"}, where)
            projects.append(Project(_text(item, "id", where), _text(item, "region", where)))
        lifetime = body.get("key_lifetime_seconds")
        if lifetime is not None and (
            not isinstance(lifetime, (int, float)) or isinstance(lifetime, bool) or lifetime <= 0
        ):
            raise ValueError(f"{path}.key_lifetime_seconds: must be a positive number")
        return cls(
            providers,
            tuple(agencies),
            tuple(projects),
            float(lifetime) if lifetime is not None else None,
        )


@attrs.frozen(eq=False)
class Scenario:
    """Everything the emulator serves, checked and indexed."""

    instances: Mapping[str, Instance]
    faults: Faults = attrs.field(factory=Faults)
    iam: IamSpec = attrs.field(factory=IamSpec)

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"cannot read scenario {path}: {exc.strerror}") from None
        try:
            body = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"scenario {path} is not valid JSON: {exc}") from None
        return cls.from_dict(body)

    @classmethod
    def demo(cls) -> Scenario:
        """The built-in demo scenario (package data ``demo.json``)."""
        text = resources.files(__package__).joinpath("demo.json").read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, body: Any) -> Scenario:
        body = _only(body, {"$schema", "instances", "faults", "iam"}, "$")
        raw = _get(body, "instances", list, "$")
        instances: dict[str, Instance] = {}
        for i, item in enumerate(raw):
            instance = _instance(item, f"$.instances[{i}]")
            if instance.id in instances:
                raise ValueError(f"$.instances[{i}].id: duplicate instance id {instance.id}")
            instances[instance.id] = instance
        faults = Faults.from_dict(_get(body, "faults", dict, "$", {}))
        iam = IamSpec.from_dict(_get(body, "iam", dict, "$", {}))
        return cls(instances=instances, faults=faults, iam=iam)


def _instance(item: Any, path: str) -> Instance:
    item = _only(item, {"id", "name", "tasks", "generate"}, path)
    instance_id = _text(item, "id", path)
    name = _text(item, "name", path, instance_id)
    raw = _get(item, "tasks", list, path, [])
    tasks = [_task(t, f"{path}.tasks[{j}]") for j, t in enumerate(raw)]
    generated = None
    if "generate" in item:
        generated = _generate(instance_id, item["generate"], f"{path}.generate")
    return Instance.of(instance_id, name, tasks, generated)


def _task(item: Any, path: str) -> TaskSpec:
    keys = {"id", "name", "start_date", "type", "status", "timeline", "metadata"}
    item = _only(item, keys, path)
    if ("status" in item) == ("timeline" in item):
        raise ValueError(f"{path}: give exactly one of status and timeline")
    if "status" in item:
        timeline: tuple[Step, ...] = (Step(_text(item, "status", path)),)
    else:
        steps = _get(item, "timeline", list, path)
        if not steps:
            raise ValueError(f"{path}.timeline: must not be empty")
        timeline = tuple(_step(s, f"{path}.timeline[{k}]") for k, s in enumerate(steps))
    return TaskSpec(
        id=_text(item, "id", path),
        name=_text(item, "name", path),
        start_date=_text(item, "start_date", path),
        type=_text(item, "type", path),
        timeline=timeline,
        metadata=_metadata(_get(item, "metadata", dict, path, {}), f"{path}.metadata"),
    )


def _step(item: Any, path: str) -> Step:
    item = _only(item, {"status", "after_seconds", "after_reads"}, path)
    seconds = item.get("after_seconds")
    reads = _get(item, "after_reads", int, path, None)
    if seconds is not None and (
        not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0
    ):
        raise ValueError(f"{path}.after_seconds: must be a non-negative number, got {seconds!r}")
    if reads is not None and reads < 0:
        raise ValueError(f"{path}.after_reads: must be a non-negative integer")
    return Step(
        _text(item, "status", path),
        float(seconds) if seconds is not None else None,
        reads,
    )


_TABLES = ("topicConfigTable", "subscriptionGroupTable")
_LISTS = ("vhosts", "exchanges", "queues", "bindings")


def _metadata(body: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """Check the json_content shape: two tables keyed by name, four lists of objects."""
    _only(body, set(_TABLES + _LISTS), path)
    for key in _TABLES:
        for name, entry in _get(body, key, dict, path, {}).items():
            if not isinstance(entry, Mapping):
                raise ValueError(f"{path}.{key}.{name}: expected an object")
    for key in _LISTS:
        for k, entry in enumerate(_get(body, key, list, path, [])):
            if not isinstance(entry, Mapping):
                raise ValueError(f"{path}.{key}[{k}]: expected an object")
    return body


def _generate(instance_id: str, item: Any, path: str) -> Generated:
    keys = {"count", "type", "status", "name_prefix", "start_date"}
    item = _only(item, keys, path)
    count = _get(item, "count", int, path)
    if count < 0:
        raise ValueError(f"{path}.count: must not be negative")
    start_text = _text(item, "start_date", path, "2024-01-01 00:00:00")
    try:
        start = datetime.strptime(start_text, START_DATE_FORMAT)
    except ValueError:
        raise ValueError(f"{path}.start_date: expected {START_DATE_FORMAT}") from None
    return Generated(
        count=count,
        id_prefix=str(uuid.uuid5(_GENERATED_NAMESPACE, instance_id))[:24],
        name_prefix=_get(item, "name_prefix", str, path, "task-"),
        start=start,
        type=_text(item, "type", path, "rocketmq"),
        status=_text(item, "status", path, "finished"),
    )
