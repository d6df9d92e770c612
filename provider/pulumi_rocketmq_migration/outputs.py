"""A lookup's outputs: MetadataTask fields one to one, plus where and what it migrated.

One mapping serves the dynamic provider's read, the invoke-style functions and
the CLI's JSON, so the three never disagree on a field name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .models import MetadataTask, MigratedMetadata, TaskStatus
from .settings import Settings

TASK_FIELDS = ("task_id", "name", "start_date", "status", "type")
FLAG_FIELDS = ("finished", "failed", "in_progress", "undocumented")
WHERE_FIELDS = ("instance_id", "project_id", "region")
METADATA_FIELDS = (*MigratedMetadata.KINDS, "metadata_counts")


def task_fields(task: MetadataTask) -> dict[str, Any]:
    """One task, as an object in ``MigrationTasks.tasks``: the API's own field names."""
    return task.to_json()


def task_outputs(
    task: MetadataTask,
    metadata: MigratedMetadata | None,
    instance_id: str,
    settings: Settings,
) -> dict[str, Any]:
    """The outputs of ``MigrationTask`` and ``get_migration_task``."""
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
    found = metadata or MigratedMetadata()
    for kind in MigratedMetadata.KINDS:
        outputs[kind] = list(getattr(found, kind))
    outputs["metadata_counts"] = found.counts
    return outputs


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
