"""The CLI's subcommands: list, get and wait, each given its parsed options and settings.

Each returns its exit code on success and raises the package's errors otherwise;
``run.py`` turns those into exit codes (``exit_codes.py``) and one line on stderr.
Formatting and progress lines live in ``formatting.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping

from ..client import MigrationClient
from ..errors import InvalidRequest, TaskFailed, WaitTimeout
from ..formatting import Progress, emit, emit_task, tasks_table
from ..listing import ListingPolicy, read_tasks
from ..models import MetadataTask, TaskDetail, TaskFilter
from ..outputs import tasks_outputs
from ..settings import Settings, insecure_warning, resolve
from ..sharing import SHARED
from ..waiting import WaitPolicy, wait
from .exit_codes import EXIT_OK
from .messages import PROG


def connection_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Settings from the options and the environment; credentials from the one chain that
    lookups use too (settings.py, credentials/chain.py), without stack config: the CLI has none."""
    explicit = {
        "endpoint": getattr(args, "endpoint", None),
        "region": getattr(args, "region", None),
        "project_id": getattr(args, "project_id", None),
    }
    settings = resolve(explicit=explicit, environ=environ)
    if settings.insecure:
        print(f"{PROG}: warning: {insecure_warning(settings)}", file=sys.stderr, flush=True)
    return settings


def check_connection_options(args: argparse.Namespace) -> None:
    """A connection option given empty is a mistake (an unset shell variable), not absent."""
    for option in ("endpoint", "region", "project_id"):
        value = getattr(args, option, None)
        if value is not None and not value.strip():
            name = f"argument --{option.replace('_', '-')}"
            raise InvalidRequest(name, "must be a non-empty string")


def run_list(args: argparse.Namespace, settings: Settings, output: str) -> int:
    selection = TaskFilter(task_type=args.task_type, name=args.name, status=args.status)
    with MigrationClient(settings) as client:
        tasks = selection.select(read_tasks(client, args.instance_id, listing_policy(args)))
    emit(
        output,
        tasks_outputs(tasks, args.instance_id, settings),
        lambda: tasks_table(tasks),
    )
    return EXIT_OK


def _task_id(client: MigrationClient, args: argparse.Namespace) -> str:
    policy = listing_policy(args)
    return SHARED.task_id_for(client, args.instance_id, args.task_id, args.name, policy)


def listing_policy(args: argparse.Namespace) -> ListingPolicy:
    """--concurrency, then $HW_MAX_CONCURRENCY, then 8."""
    return ListingPolicy.resolve(getattr(args, "concurrency", None), environ=os.environ)


def run_get(args: argparse.Namespace, settings: Settings, output: str) -> int:
    with MigrationClient(settings) as client:
        detail = client.get_task(args.instance_id, _task_id(client, args), kind="all")
    emit_task(output, detail, args.instance_id, settings)
    return EXIT_OK


def wait_policy(args: argparse.Namespace) -> WaitPolicy:
    return WaitPolicy.build(
        args.wait_for if args.wait_for is not None else ("finished",),
        args.fail_on,
        timeout=args.timeout,
        interval=args.interval,
    )


def run_wait(args: argparse.Namespace, settings: Settings, output: str) -> int:
    policy = wait_policy(args)
    latest: list[TaskDetail] = []
    with MigrationClient(settings) as client:
        task_id = _task_id(client, args)
        progress = Progress(sys.stderr, policy)  # its clock starts with the first read

        def read() -> MetadataTask:
            latest[:] = [client.get_task(args.instance_id, task_id, kind="all")]
            return latest[-1].task

        try:
            wait(
                read, policy, on_change=progress.change, on_poll=progress.poll, sleep=progress.sleep
            )
        except (TaskFailed, WaitTimeout):
            progress.clear()
            emit_task(output, latest[-1], args.instance_id, settings)
            raise
        finally:
            progress.clear()
    emit_task(output, latest[-1], args.instance_id, settings)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings, str], int]] = {
    "list": run_list,
    "get": run_get,
    "wait": run_wait,
}
