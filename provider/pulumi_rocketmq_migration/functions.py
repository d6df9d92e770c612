"""Invoke-style functions: ``get_migration_task(s)`` query from the program process, now.

They read as the lookups do (the same settings, credential chain and shared
listings), but in the program's own process, not the provider's, and return plain
results (``MigrationTaskResult``, ``MigrationTasksResult``) instead of resources; the
``_output`` forms take Inputs and give an Output, unknown while any input is.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from typing import Any

import attrs
import pulumi

from .client import MigrationClient, check_one_task
from .errors import InvalidRequest
from .listing import ListingPolicy
from .models import TaskFilter
from .outputs import check_metadata, task_outputs, tasks_outputs
from .reads import CONNECTION_INPUTS
from .setting_places import ALL_CONFIG_KEYS
from .settings import CONFIG_NAMESPACE, insecure_warning, resolve
from .sharing import SHARED


def _plain_text(field: str, value: Any) -> None:
    """Check a value that is already known; Outputs are checked by the provider once known."""
    if isinstance(value, pulumi.Output) or value is None:
        return
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(field, "must be a non-empty string")


@attrs.frozen
class MigrationTaskResult:
    """What ``get_migration_task`` returns: the outputs of ``MigrationTask``."""

    task_id: str
    name: str
    start_date: str
    status: str
    type: str
    finished: bool
    failed: bool
    in_progress: bool
    undocumented: list[str]
    instance_id: str
    project_id: str
    region: str | None
    topics: list[str] | None
    consumer_groups: list[str] | None
    vhosts: list[str] | None
    exchanges: list[str] | None
    queues: list[str] | None
    bindings: list[str] | None
    metadata_counts: dict[str, int]


@attrs.frozen
class MigrationTasksResult:
    """What ``get_migration_tasks`` returns: the outputs of ``MigrationTasks``."""

    total: int
    tasks: list[dict[str, str]]
    ids: list[str]
    status_counts: dict[str, int]
    instance_id: str
    project_id: str
    region: str | None


def _program_client(endpoint: str | None, region: str | None, project_id: str | None) -> Any:
    config = pulumi.Config(CONFIG_NAMESPACE)
    stack_config = {
        f"{CONFIG_NAMESPACE}:{key}": value
        for key in ALL_CONFIG_KEYS
        if (value := config.get(key)) is not None
    }
    explicit = dict(zip(CONNECTION_INPUTS, (endpoint, region, project_id), strict=True))
    settings = resolve(explicit=explicit, config=stack_config)
    if settings.insecure and settings.endpoint not in _WARNED:
        _WARNED.add(settings.endpoint)
        pulumi.log.warn(insecure_warning(settings))
    return settings, MigrationClient(settings)


def _listing_policy() -> ListingPolicy:
    """Pages in flight per listing, from stack config or the environment (listing.py)."""
    config = pulumi.Config(CONFIG_NAMESPACE)
    stack_config = {f"{CONFIG_NAMESPACE}:{key}": config.get(key) for key in ALL_CONFIG_KEYS}
    return ListingPolicy.resolve(config=stack_config, environ=os.environ)


_WARNED: set[str] = set()


def get_migration_task(
    instance_id: str,
    task_id: str | None = None,
    name: str | None = None,
    *,
    metadata: str | None = None,
    endpoint: str | None = None,
    region: str | None = None,
    project_id: str | None = None,
) -> MigrationTaskResult:
    """One task, now, from the program process; raises the package's typed errors."""
    _plain_text("instance_id", instance_id)
    check_one_task(task_id, name)
    names = check_metadata(metadata)
    settings, client = _program_client(endpoint, region, project_id)
    with client:
        found = SHARED.task_id_for(client, instance_id, task_id, name, _listing_policy())
        detail = client.get_task(instance_id, found, kind="all")
    outputs = task_outputs(detail.task, detail.metadata, instance_id, settings, names)
    return MigrationTaskResult(**outputs)


def get_migration_tasks(
    instance_id: str,
    task_type: str | None = None,
    name: str | None = None,
    status: str | None = None,
    *,
    endpoint: str | None = None,
    region: str | None = None,
    project_id: str | None = None,
) -> MigrationTasksResult:
    """Every matching task, now, from the program process."""
    _plain_text("instance_id", instance_id)
    selection = TaskFilter(task_type=task_type, name=name, status=status)
    settings, client = _program_client(endpoint, region, project_id)
    with client:
        tasks = selection.select(SHARED.tasks(client, instance_id, _listing_policy()))
    return MigrationTasksResult(**tasks_outputs(tasks, instance_id, settings))


def _over_inputs(
    function: Callable[..., Any], inputs: list[Any], connection: dict[str, str | None]
) -> pulumi.Output[Any]:
    """Call ``function`` once every input is known, off the event loop (it blocks on HTTP)."""

    def call(args: list[Any]) -> Any:
        job = functools.partial(function, *args, **connection)
        return asyncio.get_running_loop().run_in_executor(None, job)

    return pulumi.Output.all(*inputs).apply(call)


def get_migration_task_output(
    instance_id: pulumi.Input[str],
    task_id: pulumi.Input[str] | None = None,
    name: pulumi.Input[str] | None = None,
    *,
    metadata: str | None = None,
    endpoint: str | None = None,
    region: str | None = None,
    project_id: str | None = None,
) -> pulumi.Output[MigrationTaskResult]:
    """``get_migration_task`` over Inputs; unknown while any input is unknown."""

    connection = {"endpoint": endpoint, "region": region, "project_id": project_id}
    connection["metadata"] = metadata
    return _over_inputs(get_migration_task, [instance_id, task_id, name], connection)


def get_migration_tasks_output(
    instance_id: pulumi.Input[str],
    task_type: pulumi.Input[str] | None = None,
    name: pulumi.Input[str] | None = None,
    status: pulumi.Input[str] | None = None,
    *,
    endpoint: str | None = None,
    region: str | None = None,
    project_id: str | None = None,
) -> pulumi.Output[MigrationTasksResult]:
    """``get_migration_tasks`` over Inputs; unknown while any input is unknown."""

    connection = {"endpoint": endpoint, "region": region, "project_id": project_id}
    return _over_inputs(get_migration_tasks, [instance_id, task_type, name, status], connection)
