"""``rocketmq-migration``: read migration tasks from a shell, and gate a pipeline on one.

    rocketmq-migration list --instance-id ID [--task-type T] [--name N] [--status S]
    rocketmq-migration get  --instance-id ID (--task-id ID | --name N)
    rocketmq-migration wait --instance-id ID (--task-id ID | --name N)
                            [--for finished] [--fail-on failed] [--timeout 30m] [--interval 10s]
    rocketmq-migration emulator ...   (the local emulator, for trying it out)

Common options, before or after the subcommand: ``--endpoint``, ``--region``,
``--project-id`` and ``--output table|json`` (a table on a terminal, JSON otherwise,
with the field names of the lookups' outputs). Credentials come from the same chain
as the lookups' (credentials/chain.py): the environment (HW_* first, then HUAWEICLOUD_SDK_*),
the KooCLI config file, the official SDK's credentials file, ECS metadata. Never from
the command line, so that no secret lands in shell history or a process list.

The rooms: ``parser.py`` (options and help), ``commands.py`` (list, get, wait),
``exit_codes.py`` (what each exit code means, and which error gives which),
``messages.py`` (the one error line) and ``run.py`` (``main``: one command line, end
to end). ``python -m pulumi_rocketmq_migration.cli`` runs it too.
"""

from .commands import COMMANDS, connection_settings
from .exit_codes import (
    EXIT_AUTH,
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    exit_code,
)
from .messages import PROG
from .parser import build_parser
from .run import main

__all__ = [
    "COMMANDS",
    "EXIT_AUTH",
    "EXIT_BROKEN_PIPE",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_TIMEOUT",
    "EXIT_UNAVAILABLE",
    "EXIT_USAGE",
    "PROG",
    "build_parser",
    "connection_settings",
    "exit_code",
    "main",
]
