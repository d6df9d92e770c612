"""The one core both faces read through: a lookup's inputs in, its outputs out.

The dynamic provider (provider.py) and the provider plugin (plugin.py) differ only in
how the engine talks to them. Everything a read decides is here: where to connect
(settings), one client per place, by-name resolution and shared listings, the wait
policy, the verdict on a status, and the outputs. Inputs and outputs use the Python
lookups' snake_case names; a face renames them at its edge.

A read raises the package's typed errors (errors.py) and nothing else for bad input
or a bad answer; each face decides how its engine shows them.

``preview`` means: show the status as it is, never wait. A preview, and a refresh,
read this way; only an update waits.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

from .client import MigrationClient, check_one_task
from .errors import InvalidRequest, TaskFailed
from .listing import ListingPolicy, read_tasks
from .models import MetadataTask, TaskDetail, TaskFilter
from .outputs import check_metadata, task_outputs, tasks_outputs
from .package_schema import lookup_inputs
from .setting_places import ALL_CONFIG_KEYS
from .settings import CONFIG_NAMESPACE, Settings, insecure_warning, resolve
from .sharing import SHARED
from .unknown import UNKNOWN
from .waiting import WaitPolicy, deciding_task, wait, wait_all

# Lookup inputs that choose where to connect; never secrets.
CONNECTION_INPUTS = ("endpoint", "region", "project_id")
# The two kinds of lookup: one task, or a set.
LOOKUPS = ("task", "tasks")
__all__ = ["ALL_CONFIG_KEYS", "CONNECTION_INPUTS", "LOOKUPS", "UNKNOWN", "Reader", "check_inputs"]


class Log(Protocol):
    """Where a read says what it is doing: the engine's log, on the lookup's resource."""

    def info(self, message: str) -> None: ...

    def warn(self, message: str) -> None: ...


class Reader:
    """Reads lookups for one provider process, from the stack config it was configured with.

    Clients are kept per settings, so one endpoint's connections and credentials serve
    every lookup of the process; listings are shared through ``sharing.SHARED``.
    """

    def __init__(
        self, config: Mapping[str, str] | None = None, namespace: str = CONFIG_NAMESPACE
    ) -> None:
        self.config = dict(config or {})
        self.namespace = namespace
        self._clients: dict[Settings, MigrationClient] = {}
        self._lock = threading.Lock()

    def read(
        self, lookup: str, inputs: Mapping[str, Any], *, preview: bool, log: Log
    ) -> dict[str, Any]:
        """The outputs of one lookup (``task`` or ``tasks``); a typed error otherwise."""
        if lookup not in LOOKUPS:
            raise InvalidRequest("lookup", f"{lookup!r} is not one of {', '.join(LOOKUPS)}")
        check_inputs(lookup, inputs)
        settings = resolve(
            explicit={k: inputs.get(k) for k in CONNECTION_INPUTS},
            config=self.config,
            namespace=self.namespace,
        )
        client = self._client(settings, log)
        if lookup == "tasks":
            return self._read_tasks(client, settings, inputs, preview, log)
        return self._read_task(client, settings, inputs, preview, log)

    def listing_policy(self) -> ListingPolicy:
        """Pages in flight per listing: stack config ``maxConcurrency``, then
        ``$HW_MAX_CONCURRENCY``."""
        return ListingPolicy.resolve(
            config=self.config, environ=os.environ, namespace=self.namespace
        )

    def _client(self, settings: Settings, log: Log) -> MigrationClient:
        with self._lock:
            client = self._clients.get(settings)
            if client is None:
                client = self._clients[settings] = MigrationClient(settings)
                if settings.insecure:
                    log.warn(insecure_warning(settings))  # once per client, not per read
            return client

    def _read_task(
        self,
        client: MigrationClient,
        settings: Settings,
        inputs: Mapping[str, Any],
        preview: bool,
        log: Log,
    ) -> dict[str, Any]:
        instance_id = required_text(inputs, "instance_id")
        policy = lookup_policy(inputs)
        names = check_metadata(inputs.get("metadata"))
        task_id = inputs.get("task_id") or SHARED.task_id_for(
            client, instance_id, None, required_text(inputs, "name"), self.listing_policy()
        )
        detail = client.get_task(instance_id, task_id, kind="all")
        if policy is not None:
            verdict = policy.verdict(detail.task)
            if verdict == "failed":
                raise TaskFailed(detail.task.id, detail.task.name, detail.task.status)
            if verdict == "waiting" and not preview:
                detail = _wait(client, instance_id, task_id, policy, log)
        return task_outputs(detail.task, detail.metadata, instance_id, settings, names)

    def _read_tasks(
        self,
        client: MigrationClient,
        settings: Settings,
        inputs: Mapping[str, Any],
        preview: bool,
        log: Log,
    ) -> dict[str, Any]:
        instance_id = required_text(inputs, "instance_id")
        selection = task_filter(inputs)
        policy = lookup_policy(inputs)
        listing = self.listing_policy()
        if policy is None:
            tasks = selection.select(SHARED.tasks(client, instance_id, listing))
            return tasks_outputs(tasks, instance_id, settings)
        # A gate's statuses are read afresh: never a listing another lookup made.
        tasks = selection.select(read_tasks(client, instance_id, listing))
        decider = deciding_task(tasks, policy)  # None for an empty set: nothing to wait for
        if decider is not None:
            verdict = policy.verdict(decider)
            if verdict == "failed":
                raise TaskFailed(decider.id, decider.name, decider.status)
            if verdict == "waiting" and not preview:
                tasks = _wait_all(client, instance_id, selection, policy, listing, log, tasks)
        return tasks_outputs(tasks, instance_id, settings)


def check_inputs(lookup: str, inputs: Mapping[str, Any]) -> None:
    """Every rule on a lookup's inputs that needs no request, in the order a user fixes them.

    Both faces call it before anything is sent: the Python lookups in the program (so a
    preview fails at once), the plugin in Check and Invoke, and every read. A value
    still ``UNKNOWN`` counts as given and is checked once it is known.
    """
    given = {k: v for k, v in inputs.items() if v is not None}
    known = {k: v for k, v in given.items() if v is not UNKNOWN}
    if "instance_id" in known or "instance_id" not in given:
        required_text(known, "instance_id")
    if lookup == "task":
        check_one_task(given.get("task_id"), given.get("name"))
        for field in ("task_id", "name"):
            if field in known:
                required_text(known, field)
        check_metadata(known.get("metadata"))
    else:
        task_filter(known)
    if "fail_on" in given and not given.get("wait_for"):
        raise InvalidRequest("fail_on", "needs wait_for")
    if all(
        k not in given or k in known for k in ("wait_for", "fail_on", "timeout", "poll_interval")
    ):
        lookup_policy(known)


def waiting_notice(lookup: str, policy: WaitPolicy, outputs: Mapping[str, Any]) -> str | None:
    """What a preview says of a gate that ``pulumi up`` will wait on, or None when it won't.

    ``outputs`` needs ``status`` for a task and ``status_counts`` for a set.
    """
    targets = " or ".join(policy.wait_for)
    if lookup == "task":
        status = outputs.get("status")
        if status and status not in policy.wait_for:
            return (
                f"migration task is {status}; `pulumi up` will wait for {targets} "
                f"(timeout {policy.timeout:.0f}s)"
            )
        return None
    counts = outputs.get("status_counts") or {}
    waiting = sum(n for status, n in counts.items() if status not in policy.wait_for)
    if waiting:
        return (
            f"{waiting} migration task(s) not yet {targets}; `pulumi up` will wait "
            f"for every one (timeout {policy.timeout:.0f}s)"
        )
    return None


def inputs_from_outputs(lookup: str, outputs: Mapping[str, Any]) -> dict[str, Any]:
    """A read's inputs taken back from what it stored, for a state that kept none (a 0.1.0
    lookup, or a gate imported or refreshed without inputs): the task's id wins over its
    name, and region and project are left to the config again, since as inputs they would
    outrank an endpoint written there."""
    names = set(lookup_inputs(lookup)) - {"region", "project_id"}
    given = {k: v for k, v in outputs.items() if k in names and v is not None}
    if lookup == "task" and given.get("task_id"):
        given.pop("name", None)  # an output here: the id is the task this lookup is about
    return given


def task_filter(inputs: Mapping[str, Any]) -> TaskFilter:
    return TaskFilter(
        task_type=inputs.get("task_type"), name=inputs.get("name"), status=inputs.get("status")
    )


def lookup_policy(inputs: Mapping[str, Any]) -> WaitPolicy | None:
    """The wait policy a lookup asked for, or None when it does not wait."""
    wait_for = inputs.get("wait_for")
    if not wait_for:
        return None
    return WaitPolicy.build(
        wait_for,
        inputs.get("fail_on"),
        # None means the default; 0 keeps its documented meaning (check once, do not wait).
        timeout=inputs.get("timeout"),
        interval=inputs.get("poll_interval"),
    )


def required_text(inputs: Mapping[str, Any], field: str) -> str:
    value = inputs.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(field, "must be a non-empty string")
    return value


def _wait(
    client: MigrationClient, instance_id: str, task_id: str, policy: WaitPolicy, log: Log
) -> TaskDetail:
    latest: TaskDetail | None = None

    def read_again() -> MetadataTask:
        nonlocal latest
        latest = client.get_task(instance_id, task_id, kind="all")
        return latest.task

    def report(task: MetadataTask, elapsed: float) -> None:
        log.info(
            f"migration task {task.name!r} is {task.status} after {elapsed:.0f}s; "
            f"waiting for {' or '.join(policy.wait_for)}"
        )

    wait(read_again, policy, on_change=report)
    assert latest is not None, "wait reads at least once"
    return latest


# At most this many status lines a poll; the rest are counted in the summary.
CHANGE_LINES = 20


def _wait_all(
    client: MigrationClient,
    instance_id: str,
    selection: TaskFilter,
    policy: WaitPolicy,
    listing: ListingPolicy,
    log: Log,
    first: tuple[MetadataTask, ...],
) -> tuple[MetadataTask, ...]:
    """Wait on a set: one listing a poll, each status change said on the engine's log."""
    started = time.monotonic()
    last: dict[str, str] = {}
    ahead = [first]  # the first poll is the listing just read
    targets = " or ".join(policy.wait_for)

    def read_all() -> tuple[MetadataTask, ...]:
        elapsed = time.monotonic() - started
        if ahead:
            tasks = ahead.pop()
        else:
            left = listing.within(max(1.0, policy.timeout - elapsed))
            tasks = selection.select(read_tasks(client, instance_id, left))
        changed = [t for t in tasks if last.get(t.id) != t.status]
        for task in changed[:CHANGE_LINES]:
            log.info(f"migration task {task.name!r} is {task.status} after {elapsed:.0f}s")
        if changed:
            reached = sum(t.status in policy.wait_for for t in tasks)
            more = len(changed) - CHANGE_LINES
            log.info(
                (f"({more} more changes) " if more > 0 else "")
                + f"{reached} of {len(tasks)} tasks {targets}; waiting for {targets}"
            )
        last.clear()
        last.update((t.id, t.status) for t in tasks)
        return tasks

    return wait_all(read_all, policy)
