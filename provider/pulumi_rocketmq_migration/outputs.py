"""A lookup's outputs: MetadataTask fields one to one, plus where and what it migrated.

One mapping serves the dynamic provider's read, the invoke-style functions and
the CLI's JSON, so the three never disagree on a field name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import InvalidRequest
from .models import MetadataTask, MigratedMetadata, TaskStatus
from .settings import Settings

TASK_FIELDS = ("task_id", "name", "start_date", "status", "type")
FLAG_FIELDS = ("finished", "failed", "in_progress", "undocumented")
WHERE_FIELDS = ("instance_id", "project_id", "region")
METADATA_FIELDS = (*MigratedMetadata.KINDS, "metadata_counts")
# What a lookup keeps of the metadata a task migrated: the counts, or the names too.
METADATA_CHOICES = ("counts", "names")


def task_fields(task: MetadataTask) -> dict[str, Any]:
    """One task, as an object in ``MigrationTasks.tasks``: the API's own field names."""
    return task.to_json()


def task_outputs(
    task: MetadataTask,
    metadata: MigratedMetadata | None,
    instance_id: str,
    settings: Settings,
    names: bool = True,
) -> dict[str, Any]:
    """The outputs of ``MigrationTask`` and ``get_migration_task``.

    ``metadata_counts`` always; the migrated names (one list per kind) only with
    ``names``, else None: a task may carry tens of thousands, and a lookup's outputs
    land in the state and travel on every read.
    """
    found = metadata or MigratedMetadata()
    outputs: dict[str, Any] = {
        "task_id": task.id,
        "name": task.name,
        "start_date": task.start_date,
        "status": task.status,
        "type": task.type,
        "finished": task.finished,
        "failed": task.failed,
        "in_progress": task.in_progress,
        "undocumented": list(task.undocumented),
        "instance_id": instance_id,
        "project_id": settings.project_id,
        "region": settings.region,
    }
    for kind in MigratedMetadata.KINDS:
        outputs[kind] = list(getattr(found, kind)) if names else None
    outputs["metadata_counts"] = found.counts
    return outputs


def check_metadata(value: object) -> bool:
    """Whether a lookup asked for the migrated names (``metadata="names"``) or counts only."""
    if value is None or value == "counts":
        return False
    if value == "names":
        return True
    raise InvalidRequest("metadata", f"{value!r} is not one of {', '.join(METADATA_CHOICES)}")


def tasks_outputs(
    tasks: Sequence[MetadataTask], instance_id: str, settings: Settings
) -> dict[str, Any]:
    """The outputs of ``MigrationTasks`` and ``get_migration_tasks``."""
    counts = {status.value: 0 for status in TaskStatus}
    for task in tasks:
        counts[task.status] = counts.get(task.status, 0) + 1
    return {
        "total": len(tasks),
        "tasks": [task_fields(t) for t in tasks],
        "ids": [t.id for t in tasks],
        "status_counts": counts,
        "instance_id": instance_id,
        "project_id": settings.project_id,
        "region": settings.region,
    }
