"""The CLI's parser: the subcommands, their options and the help they show.

argparse, with its usage errors as the same one line as every other error
(``messages.py``) and exit code 2; the help's epilog lists the exit codes
(``exit_codes.py``) and where credentials come from.
"""

from __future__ import annotations

import argparse
from typing import NoReturn

from .._version import __version__
from ..models import STATUSES, TASK_TYPES
from ..waiting import DURATION_GRAMMAR
from .exit_codes import EXIT_USAGE
from .messages import PROG, say_error

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
