"""How the CLI tells a failure: one line on stderr, options named as it spells them.

Every error is ``rocketmq-migration: error: <message>``, whatever the input:
characters that came from the service and could steer a terminal (escape sequences,
newlines, bidi overrides) are shown as escapes such as ``\\x1b`` (``formatting.py``).
A bug's message has every key and token the environment holds masked.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

from ..errors import InvalidRequest, MigrationTaskError
from ..formatting import error_line, say
from ..setting_places import SOURCES

PROG = "rocketmq-migration"

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


def error_message(exc: MigrationTaskError) -> str:
    if isinstance(exc, InvalidRequest) and exc.field in OPTION_NAMES:
        return f"argument {OPTION_NAMES[exc.field]}: {exc.problem}"
    return str(exc)


def say_error(message: str) -> None:
    say(sys.stderr, error_line(PROG, message))


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
