"""The endpoint itself, apart from HTTP, auth and faults: a query in, an answer out.

``GET /v2/{project_id}/instances/{instance_id}/metadata`` answers in two forms:

- list: ``{"total": N, "task": [MetadataTask, ...]}``, newest first (by start_date).
  ``offset`` is a page number from 1 and ``limit`` a page size: a page holds the tasks
  (offset-1)*limit .. offset*limit, and a page past the end is an empty ``task`` list
  with the true total. Defaults: offset 1, limit 10; the maximum limit is 50 (the DMS
  convention; the API page states none). ``?id=X`` alone is the list form holding just
  that task, and ``offset``/``limit`` are then ignored.
- detail (``?id=X&type=K[&name=N]``): the task's fields plus ``json_content``, a JSON
  string of the metadata ``K`` selects (see ``content``); ``name`` matters for exchange
  and queue only. ``offset``/``limit`` are ignored: the detail form has no paging.

Error codes (body ``{"error_code", "error_msg"}``, the message naming the parameter):

- 400 DMS.00400000: an invalid query parameter: ``type`` outside vhost|exchange|queue|all,
  ``offset``/``limit`` not a positive integer, ``limit`` over 50, ``type`` or ``name``
  without ``id``, ``type=exchange``/``queue`` without ``name``, or a queue ``name``
  without the '-' between vhost and exchange.
- 400 DMS.00405011: no task with that id in the instance.
- 404 DMS.00404022: no such instance.

A repeated parameter takes its last value; unknown parameters are ignored.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..models import METADATA_KINDS, MetadataKind, MetadataTask, TaskPage
from .content import json_content
from .scenario import Scenario
from .tasks import Instance, TaskSpec

DEFAULT_OFFSET = 1
DEFAULT_LIMIT = 10
MAX_LIMIT = 50

INVALID_PARAMETER = "DMS.00400000"
TASK_NOT_FOUND = "DMS.00405011"
INSTANCE_NOT_FOUND = "DMS.00404022"


@attrs.frozen
class Answer:
    """An HTTP status and the JSON body to send with it."""

    status: int
    body: Mapping[str, Any]


def error(status: int, code: str, message: str) -> Answer:
    return Answer(status, {"error_code": code, "error_msg": message})


def _invalid(message: str) -> Answer:
    return error(400, INVALID_PARAMETER, f"Invalid request parameter: {message}")


@attrs.frozen
class Query:
    """The query parameters, checked."""

    id: str | None = None
    kind: MetadataKind | None = None
    name: str | None = None
    offset: int = DEFAULT_OFFSET
    limit: int = DEFAULT_LIMIT


def _positive(params: Mapping[str, str], key: str, default: int) -> int | Answer:
    if key not in params:
        return default
    text = params[key]
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        return _invalid(f"{key} must be a positive integer, got {text!r}")
    return int(text)


def parse_query(pairs: Sequence[tuple[str, str]]) -> Query | Answer:
    """The checked Query, or the 400 answer naming the first bad parameter."""
    params = dict(pairs)
    offset = _positive(params, "offset", DEFAULT_OFFSET)
    if isinstance(offset, Answer):
        return offset
    limit = _positive(params, "limit", DEFAULT_LIMIT)
    if isinstance(limit, Answer):
        return limit
    if limit > MAX_LIMIT:
        return _invalid(f"limit must be at most {MAX_LIMIT}, got {limit}")
    kind_text = params.get("type")
    if kind_text is not None and kind_text not in METADATA_KINDS:
        return _invalid(f"type must be one of {'|'.join(METADATA_KINDS)}, got {kind_text!r}")
    kind = MetadataKind(kind_text) if kind_text is not None else None
    task_id = params.get("id") or None
    name = params.get("name")
    if task_id is None and kind is not None:
        return _invalid("id is required when type is given")
    if task_id is None and name is not None:
        return _invalid("id is required when name is given")
    if kind in (MetadataKind.EXCHANGE, MetadataKind.QUEUE) and not name:
        return _invalid(f"name is required when type is {kind_text}")
    if kind is MetadataKind.QUEUE and "-" not in (name or ""):
        return _invalid(f"name must be <vhost>-<exchange> when type is queue, got {name!r}")
    return Query(id=task_id, kind=kind, name=name, offset=offset, limit=limit)


class Service:
    """Answers queries over one scenario and counts the reads timelines depend on."""

    def __init__(self, scenario: Scenario, clock: Callable[[], float] = time.monotonic) -> None:
        self._scenario = scenario
        self._clock = clock
        self._started = clock()
        self._lock = threading.Lock()
        self._reads: dict[tuple[str, str], int] = {}

    def restart_clock(self) -> None:
        """Count ``after_seconds`` from now (the emulator calls this when it starts)."""
        self._started = self._clock()

    def instance(self, instance_id: str) -> Instance | None:
        return self._scenario.instances.get(instance_id)

    def _read(self, instance: Instance, specs: Sequence[TaskSpec]) -> list[MetadataTask]:
        # The tasks as this answer shows them; each answer including a task is a read of it.
        elapsed = self._clock() - self._started
        tasks = []
        with self._lock:
            for spec in specs:
                if spec.changes:
                    key = (instance.id, spec.id)
                    reads = self._reads.get(key, 0)
                    self._reads[key] = reads + 1
                    tasks.append(spec.task(spec.status_at(elapsed, reads)))
                else:
                    tasks.append(spec.task(spec.timeline[0].status))
        return tasks

    def answer(
        self,
        instance_id: str,
        pairs: Sequence[tuple[str, str]],
        *,
        page_cap: int | None = None,
        total_offset: Callable[[], int] = lambda: 0,
    ) -> Answer:
        """The answer to one query; see the module docstring.

        ``page_cap`` and ``total_offset`` are the faults ``limit_cap`` and
        ``inconsistent_total``/``total_drift``; they apply to paged lists only.
        """
        instance = self.instance(instance_id)
        if instance is None:
            return error(404, INSTANCE_NOT_FOUND, f"The instance {instance_id} does not exist.")
        query = parse_query(pairs)
        if isinstance(query, Answer):
            return query
        if query.id is None:
            size = min(query.limit, page_cap) if page_cap else query.limit
            start = (query.offset - 1) * size
            page = instance.tasks[start : start + size]
            total = len(instance.tasks) + total_offset()
            return Answer(200, TaskPage(total, tuple(self._read(instance, page))).to_json())
        spec = instance.find(query.id)
        if spec is None:
            message = f"The migration task {query.id} does not exist in instance {instance_id}."
            return error(400, TASK_NOT_FOUND, message)
        (task,) = self._read(instance, [spec])
        if query.kind is None:
            return Answer(200, TaskPage(1, (task,)).to_json())
        body: dict[str, Any] = dict(task.to_json())
        body["json_content"] = json_content(spec.metadata, query.kind, query.name)
        return Answer(200, body)
