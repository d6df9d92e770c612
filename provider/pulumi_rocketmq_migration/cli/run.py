"""One command line, end to end: parse, check, run the subcommand, map the outcome to an exit code.

Every failure ends as one line on stderr and a documented exit code
(``exit_codes.py``), a bug included: never a traceback, never exit 1 for trouble.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..errors import MigrationTaskError
from .commands import (
    COMMANDS,
    check_connection_options,
    connection_settings,
    listing_policy,
    wait_policy,
)
from .exit_codes import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    exit_code,
)
from .messages import error_message, say_error, without_secrets
from .parser import build_parser


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; return its exit code (exit_codes.py)."""
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


def _run(parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    args = parser.parse_args(argv)
    if args.command == "emulator":
        from ..emulator import main as emulator_main

        return emulator_main(list(args.emulator_args))
    output = getattr(args, "output", None) or ("table" if sys.stdout.isatty() else "json")
    listing_policy(args)  # refuse a bad option before connecting
    if args.command == "wait":
        wait_policy(args)  # refuse a bad duration or status before connecting
    check_connection_options(args)
    settings = connection_settings(args, os.environ)
    return COMMANDS[args.command](args, settings, output)
