"""The program side: lookups a Pulumi program declares, and invoke-style functions.

``MigrationTask`` and ``MigrationTasks`` are dynamic resources read by id, so the
engine runs their Read step in every preview, update and refresh, and ``destroy``
only forgets them. The functions query directly from the program, like invokes.

Plain inputs are checked here, at once, so that a preview fails with a message
that names the property; inputs still unknown at preview make the lookup's id
unknown, and the engine then leaves every output unknown instead of reading.

The invoke-style functions (``get_migration_task`` and the rest) are
``functions.py``'s; they are importable from here too, as in 0.1.0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import pulumi
from pulumi.dynamic import Resource

from .errors import MigrationTaskError
from .functions import (
    MigrationTaskResult,
    MigrationTasksResult,
    get_migration_task,
    get_migration_task_output,
    get_migration_tasks,
    get_migration_tasks_output,
)
from .outputs import (
    FLAG_FIELDS,
    METADATA_FIELDS,
    TASK_FIELDS,
    WHERE_FIELDS,
)
from .provider import LOOKUP_KEY, PREVIEW_KEY, PROVIDER, URN_KEY
from .reads import check_inputs, lookup_policy, waiting_notice
from .setting_places import PUBLIC_CONFIG_KEYS, SECRET_SPELLINGS
from .settings import CONFIG_NAMESPACE
from .unknown import UNKNOWN

__all__ = [
    "MigrationTask",
    "MigrationTaskResult",
    "MigrationTasks",
    "MigrationTasksResult",
    "default_provider",
    "get_migration_task",
    "get_migration_task_output",
    "get_migration_tasks",
    "get_migration_tasks_output",
]

PROVIDER_NAME = "rocketmq-migration"

Statuses = Sequence[str] | str | None


def _refuse(resource_name: str, kind: str, exc: MigrationTaskError) -> pulumi.RunError:
    return pulumi.RunError(f"{kind} {resource_name!r}: {exc}")


def _checked(resource_name: str, kind: str, lookup: str, props: dict[str, Any]) -> Any:
    """The core's checks on the plain inputs, at once, so a preview fails naming the
    property; an Output is checked by the provider once it is known. The wait policy
    the lookup asked for, or None."""
    known = {k: UNKNOWN if isinstance(v, pulumi.Output) else v for k, v in props.items()}
    try:
        check_inputs(lookup, known)
        return lookup_policy(props)
    except MigrationTaskError as exc:
        raise _refuse(resource_name, kind, exc) from None


def _statuses(value: Statuses) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _raise_on_error(lookup: pulumi.Resource, kind: str, name: str) -> None:
    """Make the lookup's ``urn`` fail with a RunError when its read failed, so nothing follows it.

    Every resource that depends on the lookup (``depends_on``, one of its outputs as an input,
    or the lookup as parent) awaits ``lookup.urn`` before it is registered (the SDK's
    ``prepare_resource``: ``_resolve_depends_on_urns`` and ``_expand_dependencies`` await each
    dependency's ``urn``; the parent's ``urn`` is awaited for ``parent``). This ``urn`` resolves
    only once the ``error`` output is known, and fails when it is set: the dependent's
    registration then fails before it is sent, however many event-loop turns it takes. That
    failure, left unobserved or not, also ends the program (exit 1), with no dependents at all.

    The full message goes to the lookup's own diagnostics, once, against the lookup's real URN;
    the RunError only points there. An ``error`` still unknown (a preview whose read found no
    error) leaves the ``urn`` as it is.
    """
    read_urn: pulumi.Output[str] = lookup.urn
    error: pulumi.Output[str | None] = lookup.error  # type: ignore[attr-defined]

    async def urn_unless_failed() -> str:
        urn = await read_urn.future()
        message = await error.future() if await error.is_known() else None
        if message:
            _log_error(f"{kind} {name!r}: {message}", urn)
            raise pulumi.RunError(f"{kind} {name!r} failed; its error is reported on that lookup")
        return cast(str, urn)

    lookup.__dict__["urn"] = pulumi.Output({lookup}, urn_unless_failed(), read_urn.is_known())


def _log_error(message: str, urn: str | None) -> None:
    """pulumi.log.error(message, resource=lookup), sent now and to the URN the read answered
    with (``resource=`` would await the lookup's ``urn``, which is the one failing)."""
    from pulumi.runtime.proto import engine_pb2
    from pulumi.runtime.settings import get_engine

    engine = get_engine()
    if engine is None or not urn:
        pulumi.log.error(message)
        return
    engine.Log(engine_pb2.LogRequest(severity=engine_pb2.ERROR, message=message, urn=urn))


class MigrationTask(Resource, module="rocketmq", name="MigrationTask"):
    """One migration task of a RocketMQ instance, by id or by name (the newest of that name).

    With ``wait_for``, ``pulumi up`` waits until the task reaches that status and
    fails at once on ``failed`` (unless waited for) or a ``fail_on`` status; a preview
    never waits.
    ``metadata="counts"`` (the default) keeps only ``metadata_counts`` of what the task
    migrated; ``metadata="names"`` also keeps every name (topics, groups, ...), which
    for a large task is most of the state.
    """

    task_id: pulumi.Output[str]
    name: pulumi.Output[str]
    start_date: pulumi.Output[str]
    status: pulumi.Output[str]
    type: pulumi.Output[str]
    finished: pulumi.Output[bool]
    failed: pulumi.Output[bool]
    in_progress: pulumi.Output[bool]
    undocumented: pulumi.Output[list[str]]
    instance_id: pulumi.Output[str]
    project_id: pulumi.Output[str]
    region: pulumi.Output[str | None]
    topics: pulumi.Output[list[str] | None]
    consumer_groups: pulumi.Output[list[str] | None]
    vhosts: pulumi.Output[list[str] | None]
    exchanges: pulumi.Output[list[str] | None]
    queues: pulumi.Output[list[str] | None]
    bindings: pulumi.Output[list[str] | None]
    metadata_counts: pulumi.Output[dict[str, int]]
    error: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        instance_id: pulumi.Input[str],
        task_id: pulumi.Input[str] | None = None,
        name: pulumi.Input[str] | None = None,
        wait_for: Statuses = None,
        fail_on: Statuses = None,
        timeout: str | float | None = None,
        poll_interval: str | float | None = None,
        metadata: str | None = None,
        endpoint: str | None = None,
        region: str | None = None,
        project_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "instance_id": instance_id,
            "task_id": task_id,
            "name": name,
            "wait_for": _statuses(wait_for),
            "fail_on": _statuses(fail_on),
            "timeout": timeout,
            "poll_interval": poll_interval,
            "metadata": metadata,
            "endpoint": endpoint,
            "region": region,
            "project_id": project_id,
        }
        policy = _checked(resource_name, "MigrationTask", "task", props)
        # Each registered property costs the engine time in every preview: send only what was given.
        props = {k: v for k, v in props.items() if v is not None}

        key = task_id if task_id is not None else pulumi.Output.concat("name=", cast(str, name))
        lookup_id = pulumi.Output.concat(instance_id, "/", key)
        props.update(_internal(resource_name, "task", self, opts))
        props.update({k: None for k in _task_output_names() if k not in props})
        super().__init__(PROVIDER, resource_name, props, _read_by(lookup_id, opts))

        _raise_on_error(self, "MigrationTask", resource_name)
        if policy is not None and pulumi.runtime.is_dry_run():
            # error is unknown in a preview when the read found no error, so watch status only.
            self.status.apply(lambda status: _notice(self, "task", policy, {"status": status}))


class MigrationTasks(Resource, module="rocketmq", name="MigrationTasks"):
    """Every task of an instance, all pages, filtered on the client side.

    ``task_type`` (rocketmq | rabbitToRocket), ``name`` (the task's name) and
    ``status`` filter the listed tasks; none of them is sent to the service.

    With ``wait_for``, ``pulumi up`` waits until every matching task reaches that
    status, failing at once when any one reaches a ``fail_on`` status (default:
    failed): one listing a poll, however many tasks. A preview never waits.
    """

    total: pulumi.Output[int]
    tasks: pulumi.Output[list[dict[str, str]]]
    ids: pulumi.Output[list[str]]
    status_counts: pulumi.Output[dict[str, int]]
    instance_id: pulumi.Output[str]
    project_id: pulumi.Output[str]
    region: pulumi.Output[str | None]
    task_type: pulumi.Output[str | None]
    name: pulumi.Output[str | None]
    status: pulumi.Output[str | None]
    error: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        instance_id: pulumi.Input[str],
        task_type: str | None = None,
        name: str | None = None,
        status: str | None = None,
        wait_for: Statuses = None,
        fail_on: Statuses = None,
        timeout: str | float | None = None,
        poll_interval: str | float | None = None,
        endpoint: str | None = None,
        region: str | None = None,
        project_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "instance_id": instance_id,
            "task_type": task_type,
            "name": name,
            "status": status,
            "wait_for": _statuses(wait_for),
            "fail_on": _statuses(fail_on),
            "timeout": timeout,
            "poll_interval": poll_interval,
            "endpoint": endpoint,
            "region": region,
            "project_id": project_id,
        }
        policy = _checked(resource_name, "MigrationTasks", "tasks", props)
        # A gate's inputs are not outputs: register them only when given.
        for key in ("wait_for", "fail_on", "timeout", "poll_interval"):
            if props[key] is None:
                del props[key]
        props.update(_internal(resource_name, "tasks", self, opts))
        for key in ("total", "tasks", "ids", "status_counts", "error"):
            props[key] = None
        selection = ",".join(
            f"{k}={v}" for k, v in (("type", task_type), ("name", name), ("status", status)) if v
        )
        lookup_id = pulumi.Output.concat(
            instance_id, "/tasks", "?" + selection if selection else ""
        )
        super().__init__(PROVIDER, resource_name, props, _read_by(lookup_id, opts))
        _raise_on_error(self, "MigrationTasks", resource_name)
        if policy is not None and pulumi.runtime.is_dry_run():
            counts = self.status_counts
            counts.apply(lambda counts: _notice(self, "tasks", policy, {"status_counts": counts}))


def _notice(lookup: Resource, kind: str, policy: Any, outputs: dict[str, Any]) -> None:
    notice = waiting_notice(kind, policy, outputs)
    if notice:
        pulumi.log.warn(notice, resource=lookup)


def _task_output_names() -> tuple[str, ...]:
    return (*TASK_FIELDS, *FLAG_FIELDS, *WHERE_FIELDS, *METADATA_FIELDS, "error")


def _internal(
    resource_name: str, lookup: str, resource: Resource, opts: pulumi.ResourceOptions | None
) -> dict[str, Any]:
    """Inputs for the provider only: which lookup, whether this is a preview, and the
    resource's URN so progress lines land on it."""
    type_ = f"pulumi-python:{type(resource)._resource_type_name}"
    parent = opts.parent if opts else None
    return {
        LOOKUP_KEY: lookup,
        PREVIEW_KEY: pulumi.runtime.is_dry_run(),
        URN_KEY: pulumi.resource.create_urn(resource_name, type_, parent=parent),
    }


def _read_by(
    lookup_id: pulumi.Input[str], opts: pulumi.ResourceOptions | None
) -> pulumi.ResourceOptions:
    chosen = pulumi.ResourceOptions(id=lookup_id)
    if not (opts and opts.provider):
        chosen.provider = default_provider()
    return pulumi.ResourceOptions.merge(opts, chosen)


_PROVIDER_RESOURCE: list[pulumi.ProviderResource] = []


def default_provider() -> pulumi.ProviderResource:
    """The explicit ``pulumi-python`` provider every lookup uses unless told otherwise.

    It is handed the ``huaweicloud:`` stack config the lookups read, and nothing else
    (Pulumi's *default* provider would get the whole stack config). Keys and tokens set
    in stack config go to it as Pulumi secrets, so the state holds only their
    ciphertext, as pulumi-huaweicloud's own provider stores its keys. Credentials from
    the environment, a file or the metadata service are found by the provider process
    itself and leave no trace in the state.
    """
    if not _PROVIDER_RESOURCE:
        config = pulumi.Config(CONFIG_NAMESPACE)
        args: dict[str, Any] = {}
        for key in PUBLIC_CONFIG_KEYS:
            if (value := config.get(key)) is not None:
                args[f"{CONFIG_NAMESPACE}:{key}"] = value
        for key in SECRET_SPELLINGS:
            if (secret := config.get_secret(key)) is not None:
                args[f"{CONFIG_NAMESPACE}:{key}"] = secret
        _PROVIDER_RESOURCE.append(pulumi.ProviderResource("pulumi-python", PROVIDER_NAME, args))
    return _PROVIDER_RESOURCE[0]
