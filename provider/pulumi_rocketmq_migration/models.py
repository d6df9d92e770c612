"""What the metadata endpoint answers, as frozen values.

Parsing happens here, once, at the boundary: a missing or mistyped field is an
InvalidResponse naming it. A status or type outside the documented sets is kept
as it came and flagged (``MetadataTask.undocumented``), because the service may
grow new values before the docs do and a lookup must not crash on them.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .errors import InvalidRequest, InvalidResponse, shown
from .identifiers import check_name


class TaskStatus(str, enum.Enum):
    """A migration task's documented statuses, in the order a task moves through them."""

    CREATING = "creating"
    STARTING = "starting"  # the migration is in progress
    FAILED = "failed"
    FINISHED = "finished"


class TaskType(str, enum.Enum):
    """Where a migration task copies metadata from."""

    ROCKETMQ = "rocketmq"  # RocketMQ to RocketMQ
    RABBIT_TO_ROCKET = "rabbitToRocket"  # RabbitMQ to RocketMQ


class MetadataKind(str, enum.Enum):
    """The API's ``type`` query parameter: which migrated metadata of a task to query."""

    VHOST = "vhost"
    EXCHANGE = "exchange"
    QUEUE = "queue"
    ALL = "all"


STATUSES = tuple(s.value for s in TaskStatus)
TASK_TYPES = tuple(t.value for t in TaskType)
METADATA_KINDS = tuple(k.value for k in MetadataKind)


def _field(body: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in body or body[key] is None:
        raise InvalidResponse(f"{where}{key}", "missing")
    value = body[key]
    # bool is an int in Python; the service never means one for the other.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidResponse(
            f"{where}{key}", f"expected {kind.__name__}, got {type(value).__name__}"
        )
    return value


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidResponse(where or "body", f"expected an object, got {type(value).__name__}")
    return value


@attrs.frozen
class MetadataTask:
    """One metadata migration task, field for field as the API's MetadataTask."""

    id: str
    name: str
    start_date: str
    status: str
    type: str

    @classmethod
    def from_json(cls, value: Any, where: str = "") -> MetadataTask:
        body = _object(value, where.rstrip("."))
        return cls(
            **{
                f: _field(body, f, str, where)
                for f in ("id", "name", "start_date", "status", "type")
            }
        )

    def to_json(self) -> dict[str, str]:
        return attrs.asdict(self)

    @property
    def task_status(self) -> TaskStatus | None:
        """The status as a TaskStatus, or None when the service sent an undocumented one."""
        return TaskStatus(self.status) if self.status in STATUSES else None

    @property
    def task_type(self) -> TaskType | None:
        return TaskType(self.type) if self.type in TASK_TYPES else None

    @property
    def undocumented(self) -> tuple[str, ...]:
        """Names of the fields whose value is outside the documented set."""
        flagged = []
        if self.task_status is None:
            flagged.append("status")
        if self.task_type is None:
            flagged.append("type")
        return tuple(flagged)

    @property
    def finished(self) -> bool:
        return self.status == TaskStatus.FINISHED.value

    @property
    def failed(self) -> bool:
        return self.status == TaskStatus.FAILED.value

    @property
    def in_progress(self) -> bool:
        return self.status in (TaskStatus.CREATING.value, TaskStatus.STARTING.value)


@attrs.frozen
class TaskPage:
    """One page of the list form: ``total`` tasks exist, ``tasks`` are this page's."""

    total: int
    tasks: tuple[MetadataTask, ...]

    @classmethod
    def from_json(cls, value: Any) -> TaskPage:
        body = _object(value, "body")
        total = _field(body, "total", int, "")
        items = _field(body, "task", list, "")
        if total < 0:
            raise InvalidResponse("total", f"must not be negative, got {total}")
        tasks = tuple(MetadataTask.from_json(item, f"task[{i}].") for i, item in enumerate(items))
        return cls(total=total, tasks=tasks)

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "task": [t.to_json() for t in self.tasks]}


def _names(value: Any, where: str, key: str = "name") -> tuple[str, ...]:
    """Names from a list of objects, or from the keys of a table keyed by name."""
    if value is None:
        return ()
    if isinstance(value, Mapping):
        return tuple(str(k) for k in value)
    if not isinstance(value, list):
        raise InvalidResponse(where, f"expected a list or object, got {type(value).__name__}")
    names = []
    for i, item in enumerate(value):
        entry = _object(item, f"{where}[{i}]")
        names.append(str(_field(entry, key, str, f"{where}[{i}].")))
    return tuple(names)


def _binding_names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidResponse(where, f"expected a list, got {type(value).__name__}")
    names = []
    for i, item in enumerate(value):
        entry = _object(item, f"{where}[{i}]")
        source = _field(entry, "source", str, f"{where}[{i}].")
        destination = _field(entry, "destination", str, f"{where}[{i}].")
        names.append(f"{source}->{destination}")
    return tuple(names)


@attrs.frozen
class MigratedMetadata:
    """What a task migrated, read from the detail form's ``json_content``.

    RocketMQ-to-RocketMQ tasks carry topics and consumer groups; RabbitMQ-to-
    RocketMQ tasks carry vhosts, exchanges, queues and bindings.
    """

    topics: tuple[str, ...] = ()
    consumer_groups: tuple[str, ...] = ()
    vhosts: tuple[str, ...] = ()
    exchanges: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    bindings: tuple[str, ...] = ()

    KINDS = ("topics", "consumer_groups", "vhosts", "exchanges", "queues", "bindings")

    @classmethod
    def from_json_content(cls, text: Any) -> MigratedMetadata:
        if not isinstance(text, str):
            raise InvalidResponse("json_content", f"expected str, got {type(text).__name__}")
        if not text.strip():
            return cls()
        try:
            content = json.loads(text)
        except ValueError as exc:
            raise InvalidResponse("json_content", f"not valid JSON: {exc}") from None
        body = _object(content, "json_content")
        return cls(
            topics=_names(
                body.get("topicConfigTable"), "json_content.topicConfigTable", "topicName"
            ),
            consumer_groups=_names(
                body.get("subscriptionGroupTable"),
                "json_content.subscriptionGroupTable",
                "groupName",
            ),
            vhosts=_names(body.get("vhosts"), "json_content.vhosts"),
            exchanges=_names(body.get("exchanges"), "json_content.exchanges"),
            queues=_names(body.get("queues"), "json_content.queues"),
            bindings=_binding_names(body.get("bindings"), "json_content.bindings"),
        )

    @property
    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in self.KINDS}


@attrs.frozen
class TaskDetail:
    """The answer for one task: the task itself and, from the detail form, what it migrated."""

    task: MetadataTask
    metadata: MigratedMetadata | None = None

    @classmethod
    def from_json(cls, value: Any, task_id: str) -> TaskDetail | None:
        """Parse either answer form for task ``task_id``; None when the list form lacks it.

        The list form is ``{"total", "task": [...]}``; the detail form is the task's
        own fields plus ``json_content``, and may leave out ``id``.
        """
        body = _object(value, "body")
        if "task" in body and "json_content" not in body:
            page = TaskPage.from_json(body)
            return next((cls(task=t) for t in page.tasks if t.id == task_id), None)
        fields = {f: _field(body, f, str, "") for f in ("name", "start_date", "status", "type")}
        answered_id = body.get("id", task_id)
        if not isinstance(answered_id, str):
            raise InvalidResponse("id", f"expected str, got {type(answered_id).__name__}")
        if answered_id != task_id:
            raise InvalidResponse(
                "id", f"asked for task {shown(task_id)}, the answer is for {shown(answered_id)}"
            )
        task = MetadataTask(id=answered_id, **fields)
        metadata = (
            MigratedMetadata.from_json_content(body["json_content"])
            if "json_content" in body
            else None
        )
        return cls(task=task, metadata=metadata)


@attrs.frozen
class TaskFilter:
    """Filters on a task's own fields, applied to listed tasks on the client side.

    The API's ``type`` and ``name`` parameters mean something else (the kind and
    vhost of migrated metadata), so these are never sent to the service.
    """

    task_type: str | None = None
    name: str | None = None
    status: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.task_type is not None and self.task_type not in TASK_TYPES:
            raise InvalidRequest(
                "task_type", f"{shown(self.task_type)} is not one of {', '.join(TASK_TYPES)}"
            )
        if self.status is not None and self.status not in STATUSES:
            raise InvalidRequest(
                "status", f"{shown(self.status)} is not one of {', '.join(STATUSES)}"
            )
        if self.name is not None:
            check_name("name", self.name)

    def matches(self, task: MetadataTask) -> bool:
        return (
            (self.task_type is None or task.type == self.task_type)
            and (self.name is None or task.name == self.name)
            and (self.status is None or task.status == self.status)
        )

    def select(self, tasks: Iterable[MetadataTask]) -> tuple[MetadataTask, ...]:
        return tuple(t for t in tasks if self.matches(t))
