"""``rocketmq-migration``: read migration tasks from a shell, and gate a pipeline on one.

    rocketmq-migration list --instance-id ID [--task-type T] [--name N] [--status S]
    rocketmq-migration get  --instance-id ID (--task-id ID | --name N)
    rocketmq-migration wait --instance-id ID (--task-id ID | --name N)
                            [--for finished] [--fail-on failed] [--timeout 30m] [--interval 10s]
    rocketmq-migration emulator ...   (the local emulator, for trying it out)

Common options, before or after the subcommand: ``--endpoint``, ``--region``,
``--project-id`` and ``--output table|json`` (a table on a terminal, JSON otherwise,
with the field names of the lookups' outputs). Credentials come from the same chain
as the lookups' (credentials.py): the environment (HW_* first, then HUAWEICLOUD_SDK_*),
the KooCLI config file, the official SDK's credentials file, ECS metadata. Never from
the command line, so that no secret lands in shell history or a process list.

Exit codes, so that a pipeline can tell a verdict from trouble:

    0  found; for wait, the task reached a --for status
    1  the task reached a --fail-on status
    2  usage: a bad option or value, missing credentials or settings, or a request the
       service refused as invalid (HTTP 400)
    3  timed out waiting
    4  no such task or instance
    5  authentication or permission refused
    6  the service is unavailable or throttled after the retries (connection failures,
       5xx, 429 and a body broken off or not JSON are retried), or its answer is not
       the documented response
   70  internal error: a bug; the line names the exception (please report it)
  130  interrupted (Ctrl-C)
  141  stdout was closed before everything was written (``| head``)

Errors are one line on stderr, ``rocketmq-migration: error: <message>``, whatever
the input: characters that came from the service and could steer a terminal (escape
sequences, newlines, bidi overrides) are shown as escapes such as ``\x1b``; JSON
output keeps the raw values. For exit codes 1 and 3, stdout still carries the task as
last read. Formatting and progress lines live in ``formatting.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from typing import NoReturn

from ._version import __version__
from .client import MigrationClient
from .errors import (
    AuthError,
    InvalidRequest,
    MigrationTaskError,
    NotFound,
    ServiceError,
    TaskFailed,
    Throttled,
    WaitTimeout,
)
from .formatting import Progress, emit, emit_task, error_line, say, tasks_table
from .listing import ListingPolicy, read_tasks
from .models import STATUSES, TASK_TYPES, MetadataTask, TaskDetail, TaskFilter
from .outputs import tasks_outputs
from .settings import SOURCES, Settings, insecure_warning, resolve
from .sharing import SHARED
from .waiting import DURATION_GRAMMAR, WaitPolicy, wait

PROG = "rocketmq-migration"


EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3
EXIT_NOT_FOUND = 4
EXIT_AUTH = 5
EXIT_UNAVAILABLE = 6
EXIT_INTERNAL = 70  # EX_SOFTWARE: never 1, which a pipeline reads as "the task failed"
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell shows for a writer whose reader left

EXIT_CODES = """\
exit codes:
  0  found; for wait, the task reached a --for status
  1  the task reached a --fail-on status
  2  usage: bad option or value, missing credentials or settings, or HTTP 400
  3  timed out waiting
  4  no such task or instance
  5  authentication or permission refused
  6  service unavailable or throttled after the retries, or an undocumented answer
 70  internal error (a bug: please report the line)
130  interrupted
141  stdout closed early (e.g. by head)

credentials, as one set from the first place that has any: HW_ACCESS_KEY/HW_SECRET_KEY
[/HW_SECURITY_TOKEN] or HW_AUTH_TOKEN; HUAWEICLOUD_SDK_AK/SK[/SECURITY_TOKEN]; the KooCLI
config named by HW_SHARED_CONFIG_FILE (profile HW_PROFILE, else current); the SDK
credentials file ($HUAWEICLOUD_SDK_CREDENTIALS_FILE or ~/.huaweicloud/credentials,
[basic]); ECS metadata ($HW_METADATA_ENDPOINT, default http://169.254.169.254).
Project id: --project-id, HW_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID, the KooCLI profile,
the SDK credentials file. Proxy: HTTPS_PROXY / NO_PROXY. TLS: HW_CACERT_FILE, HW_INSECURE.
"""

# Input names used by the shared checks, as this CLI spells them.
OPTION_NAMES = {
    "wait_for": "--for",
    "fail_on": "--fail-on",
    "timeout": "--timeout",
    "poll_interval": "--interval",
    "instance_id": "--instance-id",
    "id": "--task-id",
    "task_id": "--task-id",
    "name": "--name",
    "concurrency": "--concurrency",
}


# -- connection ----------------------------------------------------------------


def connection_settings(args: argparse.Namespace, environ: Mapping[str, str]) -> Settings:
    """Settings from the options and the environment; credentials from the one chain that
    lookups use too (settings.py, credentials.py), without stack config: the CLI has none."""
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


# -- the subcommands -----------------------------------------------------------


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


# -- errors --------------------------------------------------------------------


def exit_code(exc: MigrationTaskError) -> int:
    """The documented exit code for an error this package raises."""
    if isinstance(exc, TaskFailed):
        return EXIT_FAILED
    if isinstance(exc, InvalidRequest):
        return EXIT_USAGE
    if isinstance(exc, WaitTimeout):
        return EXIT_TIMEOUT
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, AuthError):
        return EXIT_AUTH
    if (
        isinstance(exc, ServiceError)
        and not isinstance(exc, Throttled)
        and exc.status is not None
        and 400 <= exc.status < 500
    ):
        return EXIT_USAGE  # the service refused the request as given
    # ServiceUnavailable, Throttled, InvalidResponse: the service is not usable right now.
    return EXIT_UNAVAILABLE


def error_message(exc: MigrationTaskError) -> str:
    if isinstance(exc, InvalidRequest) and exc.field in OPTION_NAMES:
        return f"argument {OPTION_NAMES[exc.field]}: {exc.problem}"
    return str(exc)


def say_error(message: str) -> None:
    say(sys.stderr, error_line(PROG, message))


# -- the parser ----------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as the same one line as every other error."""

    def error(self, message: str) -> NoReturn:
        say_error(f"{message} (see '{self.prog} --help')")
        raise SystemExit(EXIT_USAGE)


def _status_list(value: str) -> list[str]:
    """``finished`` or ``finished,failed``: repeatable, or a comma list."""
    return [part.strip() for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    # SUPPRESS keeps a common option given before the subcommand from being reset after it.
    common = _Parser(add_help=False)
    group = common.add_argument_group("connection and output")
    group.add_argument(
        "--endpoint",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="DMS endpoint (default: from --region; env HW_DMS_ENDPOINT)",
    )
    group.add_argument(
        "--region",
        default=argparse.SUPPRESS,
        help="region such as cn-north-4 (env HW_REGION_NAME, HUAWEICLOUD_SDK_REGION)",
    )
    group.add_argument(
        "--project-id",
        default=argparse.SUPPRESS,
        help="project id (env HW_PROJECT_ID, HUAWEICLOUD_SDK_PROJECT_ID)",
    )
    group.add_argument(
        "--concurrency",
        metavar="N",
        default=argparse.SUPPRESS,
        help="list requests in flight at once, 1 to 32 (default 8; env HW_MAX_CONCURRENCY)",
    )
    group.add_argument(
        "--output",
        choices=("table", "json"),
        default=argparse.SUPPRESS,
        help="table or json (default: table on a terminal, json otherwise)",
    )

    def subcommand(name: str, help: str, description: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(
            name,
            parents=[common],
            help=help,
            description=description,
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("--instance-id", required=True, help="the RocketMQ instance")
        return parser

    def one_task(parser: argparse.ArgumentParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--task-id", help="the task's id")
        which.add_argument("--name", help="the task's name (the newest task of that name)")

    parser = _Parser(
        prog=PROG,
        parents=[common],
        description="Read Huawei Cloud DMS for RocketMQ metadata-migration tasks,\n"
        "and wait for one to finish in a pipeline.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    listing = subcommand(
        "list",
        "list an instance's tasks",
        "List every task of an instance, all pages; filters apply on the client side.",
    )
    listing.add_argument("--task-type", choices=TASK_TYPES, help="only tasks of this type")
    listing.add_argument("--name", help="only tasks with this name")
    listing.add_argument("--status", choices=STATUSES, help="only tasks in this status")

    getting = subcommand(
        "get",
        "show one task and what it migrated",
        "Show one task, with the names and counts of the metadata it migrated.",
    )
    one_task(getting)

    waiting = subcommand(
        "wait",
        "wait until a task reaches a status",
        "Poll a task until it reaches a --for status (exit 0), reaches a --fail-on\n"
        "status (exit 1) or --timeout passes (exit 3). Each status change goes to stderr.",
    )
    one_task(waiting)
    waiting.add_argument(
        "--for",
        dest="wait_for",
        action="extend",
        type=_status_list,
        metavar="STATUS",
        help=f"status to wait for, repeatable or comma-separated (default: finished; "
        f"one of {', '.join(STATUSES)})",
    )
    waiting.add_argument(
        "--fail-on",
        action="extend",
        type=_status_list,
        metavar="STATUS",
        help="status that also fails at once with exit 1 (failed always does, unless "
        "it is a --for status)",
    )
    waiting.add_argument(
        "--timeout",
        default="30m",
        metavar="DURATION",
        help="give up after this long, a read in flight included (default 30m; "
        f"0: check once, do not wait); {DURATION_GRAMMAR}",
    )
    waiting.add_argument(
        "--interval",
        default="10s",
        metavar="DURATION",
        help="time between reads, at least 1s (default 10s)",
    )

    emulator = commands.add_parser(
        "emulator",
        help="run the local emulator (see 'emulator --help')",
        add_help=False,
        prefix_chars="+",  # every argument, --help included, is the emulator's own
    )
    emulator.add_argument("emulator_args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return its exit code (see the module docstring)."""
    parser = build_parser()
    try:
        return _run(parser, argv)
    except SystemExit as exc:  # --help, or a usage error already reported
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except MigrationTaskError as exc:
        say_error(error_message(exc))
        return exit_code(exc)
    except KeyboardInterrupt:
        say_error("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader left (``| head``): nothing more to say, and nowhere to say it. Point
        # stdout at /dev/null so that the flush at exit does not fail a second time.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # the last resort: a bug must still be one line, never exit 1
        problem = without_secrets(f"{type(exc).__name__}: {exc}", os.environ)
        say_error(f"internal error: {problem} (please report)")
        return EXIT_INTERNAL


def without_secrets(text: str, environ: Mapping[str, str]) -> str:
    """``text`` with every key and token the environment holds masked.

    A bug's message may quote what it choked on, such as a header value.
    """
    for field in ("access_key", "secret_key", "security_token", "auth_token"):
        for variable in SOURCES[field][1]:
            secret = environ.get(variable, "").strip()
            if len(secret) >= 4:  # shorter ones would mask ordinary words
                text = text.replace(secret, "***")
    return text


def _run(parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    args = parser.parse_args(argv)
    if args.command == "emulator":
        from .emulator import main as emulator_main

        return emulator_main(list(args.emulator_args))
    output = getattr(args, "output", None) or ("table" if sys.stdout.isatty() else "json")
    listing_policy(args)  # refuse a bad option before connecting
    if args.command == "wait":
        wait_policy(args)  # refuse a bad duration or status before connecting
    check_connection_options(args)
    settings = connection_settings(args, os.environ)
    return COMMANDS[args.command](args, settings, output)
