"""The dynamic provider: the engine's Read step for migration-task lookups.

It runs in the provider process the engine starts (``python -m pulumi.dynamic``).
It captures nothing when pickled: credentials come from the chain (credentials.py)
in this process, reading the stack config ``configure`` was handed (keys arrive there
as secrets), the environment, the credentials files or the ECS metadata service, and
they stay in this process.

A domain failure (task failed, not found, timeout, refused credentials) does not
raise here, because the engine would show a Python traceback; the read returns
the failure in the ``error`` output instead, and the lookup in the program turns
it into a clean RunError that names the resource. Only bugs raise.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import ConfigureRequest, ReadResult, ResourceProvider

from .client import MigrationClient
from .errors import InvalidRequest, MigrationTaskError, TaskFailed
from .listing import SHARED, ListingPolicy, read_tasks
from .models import MetadataTask, TaskDetail, TaskFilter
from .outputs import check_metadata, task_outputs, tasks_outputs
from .settings import (
    ALL_CONFIG_KEYS,
    CONFIG_NAMESPACE,
    Settings,
    insecure_warning,
    resolve,
)
from .terminal import printable
from .waiting import WaitPolicy, deciding_task, wait, wait_all

# Lookup inputs that choose where to connect; never secrets.
CONNECTION_INPUTS = ("endpoint", "region", "project_id")


class MigrationTaskProvider(ResourceProvider):
    """Reads migration tasks; never creates, updates or deletes anything."""

    # Nothing secret is ever captured, so the pickled provider need not be a secret.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._config: dict[str, str] = {}
        self._clients: dict[Settings, MigrationClient] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        # Pickle nothing: no config, no clients, no credentials.
        return {}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the ``huaweicloud:`` keys the lookups' provider resource was handed.

        Secret ones arrive here in clear (the engine unwraps them for this process);
        they are kept in memory only, never pickled, returned or logged.
        """
        found = {
            f"{CONFIG_NAMESPACE}:{k}": req.config.get(f"{CONFIG_NAMESPACE}:{k}")
            for k in ALL_CONFIG_KEYS
        }
        self._config = {k: str(v) for k, v in found.items() if v is not None}

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        inputs = {k: v for k, v in props.items() if not k.startswith("_")}
        try:
            settings = resolve(
                explicit={k: props.get(k) for k in CONNECTION_INPUTS}, config=self._config
            )
            client = self._client(settings, _EngineLog(props.get("_urn")))
            if props.get("_lookup") == "tasks":
                outputs = self._read_tasks(client, settings, props)
            else:
                outputs = self._read_task(client, settings, props)
            outputs["error"] = None
        except MigrationTaskError as exc:
            # It becomes a RunError the engine prints: service text made inert (terminal.py).
            outputs = {"error": printable(str(exc))}
        return ReadResult(id_, {**inputs, **outputs})

    def _client(self, settings: Settings, log: _EngineLog) -> MigrationClient:
        with self._lock:
            client = self._clients.get(settings)
            if client is None:
                client = self._clients[settings] = MigrationClient(settings)
                if settings.insecure:
                    log.warn(insecure_warning(settings))  # once per client, not per read
            return client

    def _read_task(
        self, client: MigrationClient, settings: Settings, props: Mapping[str, Any]
    ) -> dict[str, Any]:
        instance_id = _required(props, "instance_id")
        policy = lookup_policy(props)  # checked before anything is sent
        names = check_metadata(props.get("metadata"))
        # On refresh the engine hands back the last outputs, which hold both the task's
        # id and its name: the id, when there is one, is the task this lookup is about.
        task_id = props.get("task_id") or SHARED.task_id_for(
            client, instance_id, None, _required(props, "name"), self._listing_policy()
        )
        detail = client.get_task(instance_id, task_id, kind="all")
        if policy is not None:
            verdict = policy.verdict(detail.task)
            if verdict == "failed":
                raise TaskFailed(detail.task.id, detail.task.name, detail.task.status)
            # A preview shows the status as it is; only an update waits.
            if verdict == "waiting" and not props.get("_preview"):
                detail = _wait(client, instance_id, task_id, policy, _EngineLog(props.get("_urn")))
        return task_outputs(detail.task, detail.metadata, instance_id, settings, names)

    def _read_tasks(
        self, client: MigrationClient, settings: Settings, props: Mapping[str, Any]
    ) -> dict[str, Any]:
        instance_id = _required(props, "instance_id")
        selection = TaskFilter(
            task_type=props.get("task_type"), name=props.get("name"), status=props.get("status")
        )
        policy = lookup_policy(props)  # checked before anything is sent
        listing = self._listing_policy()
        if policy is None:
            tasks = selection.select(SHARED.tasks(client, instance_id, listing))
            return tasks_outputs(tasks, instance_id, settings)
        # A gate's statuses are read afresh: never a listing another lookup made.
        tasks = selection.select(read_tasks(client, instance_id, listing))
        decider = deciding_task(tasks, policy)
        verdict = policy.verdict(decider) if decider is not None else "reached"
        if verdict == "failed" and decider is not None:
            raise TaskFailed(decider.id, decider.name, decider.status)
        # A preview shows the statuses as they are; only an update waits.
        if verdict == "waiting" and not props.get("_preview"):
            log = _EngineLog(props.get("_urn"))
            tasks = _wait_all(client, instance_id, selection, policy, listing, log, tasks)
        return tasks_outputs(tasks, instance_id, settings)

    def _listing_policy(self) -> ListingPolicy:
        """Pages in flight per listing: stack config ``huaweicloud:maxConcurrency``, then
        ``$HW_MAX_CONCURRENCY``."""
        return ListingPolicy.resolve(config=self._config, environ=os.environ)


def _wait(
    client: MigrationClient, instance_id: str, task_id: str, policy: WaitPolicy, log: _EngineLog
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
    log: _EngineLog,
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


def lookup_policy(props: Mapping[str, Any]) -> WaitPolicy | None:
    """The wait policy a lookup asked for, or None when it does not wait."""
    wait_for = props.get("wait_for")
    if not wait_for:
        return None
    return WaitPolicy.build(
        wait_for,
        props.get("fail_on"),
        # None means the default; 0 keeps its documented meaning (check once, do not wait).
        timeout=props.get("timeout"),
        interval=props.get("poll_interval"),
    )


def _required(props: Mapping[str, Any], field: str) -> str:
    value = props.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(field, "must be a non-empty string")
    return value


class _EngineLog:
    """Progress lines on the lookup's resource, through the engine's Log service.

    The engine passes its address as the provider process's first argument; when
    it cannot be reached (a test calling read directly), lines go to stderr.
    """

    def __init__(self, urn: Any) -> None:
        self.urn = urn if isinstance(urn, str) else ""
        self._engine: Any = None
        address = sys.argv[1] if len(sys.argv) > 1 and ":" in sys.argv[1] else None
        if address:
            try:
                import grpc  # type: ignore[import-untyped]
                from pulumi.runtime.proto import engine_pb2_grpc

                self._engine = engine_pb2_grpc.EngineStub(grpc.insecure_channel(address))
            except Exception:  # logging must never break a read
                self._engine = None

    def info(self, message: str) -> None:
        self._log("INFO", message)

    def warn(self, message: str) -> None:
        self._log("WARNING", message)

    def _log(self, severity: str, message: str) -> None:
        message = printable(message)  # task names come from the service
        if self._engine is not None:
            try:
                from pulumi.runtime.proto import engine_pb2

                level = getattr(engine_pb2, severity)
                self._engine.Log(
                    engine_pb2.LogRequest(severity=level, message=message, urn=self.urn)
                )
                return
            except Exception:
                pass
        print(message, file=sys.stderr, flush=True)


PROVIDER = MigrationTaskProvider()
