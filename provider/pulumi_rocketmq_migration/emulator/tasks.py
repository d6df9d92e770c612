"""The tasks an emulated instance serves: fixed or on a timeline, own or generated.

A task has a fixed ``status`` or a ``timeline``: its status is that of the last step
whose conditions all hold (the first step's when none does). ``after_seconds`` holds
once that many seconds have passed since the emulator started; ``after_reads`` holds
once that many earlier answers included the task.

Generated tasks are made on demand from their index, so any count is cheap: ids are
UUID-shaped (derived from the instance id, the index in hex as the last group), names
``<name_prefix><index>``, start dates one minute apart, so the newest has the highest
index. An instance's tasks are its own merged with the generated ones, newest first.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, overload

import attrs

from ..models import MetadataTask

_HEX12 = re.compile(r"[0-9a-f]{12}")


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
