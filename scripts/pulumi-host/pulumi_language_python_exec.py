"""Runs one Pulumi Python program; started by pulumi_language_python_host.py for each `Run`.

Runs under the program's interpreter (which must have the Pulumi SDK). It configures the SDK's
runtime settings from its arguments and the stack configuration from the environment
(``PULUMI_CONFIG``, ``PULUMI_CONFIG_SECRET_KEYS``), then runs the program (a file, or a directory
with ``__main__.py``) inside the root stack resource.

Exit codes, as Pulumi's own ``pulumi-language-python-exec``:
- 0: success;
- 1: a ``pulumi.RunError`` (its message is logged), or the SDK is missing; the host then adds
  "program exited with non-zero exit code: 1", and the engine shows it as "an unhandled error
  occurred: ...";
- 32: an unhandled exception (logged with the program's part of the traceback) or a missing
  ``__main__.py``: the error was shown already, so the host answers with ``bail``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import runpy
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor

EXIT_ERROR_ALREADY_REPORTED = 32


class _MissingMain(Exception):
    """The program is a directory without __main__.py."""


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description="Execute a Pulumi Python program")
    for name in (
        "project",
        "root_directory",
        "stack",
        "parallel",
        "dry_run",
        "pwd",
        "monitor",
        "engine",
        "tracing",
        "organization",
    ):
        ap.add_argument(f"--{name}")
    ap.add_argument("PROGRAM")
    ap.add_argument("ARGS", nargs=argparse.REMAINDER)
    return ap.parse_args(argv)


def _user_traceback(program: str) -> str:
    """The current exception's traceback, starting at the first frame of the user's program."""
    program = os.path.abspath(program)
    if os.path.isdir(program):
        program = os.path.join(program, "__main__.py")
    frames = traceback.extract_tb(sys.exc_info()[2])
    for index, frame in enumerate(frames):
        if os.path.abspath(frame.filename) == program:
            return traceback.format_exc(limit=-(len(frames) - index))
    return traceback.format_exc()


def main(argv: list[str]) -> int:
    args = _parse(argv)
    try:
        import pulumi
        import pulumi.runtime
    except ImportError:
        print(traceback.format_exc(), file=sys.stderr)
        print(
            f"\nThe Pulumi SDK is not installed for {sys.executable}. Have you run "
            "`pulumi install`? In a virtualenv, install the program's requirements into it: "
            "`pip install -r requirements.txt` with that virtualenv's pip.",
            file=sys.stderr,
        )
        return 1

    pulumi.runtime.set_all_config(
        pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env()
    )
    parallel = int(args.parallel) if args.parallel else None
    settings = pulumi.runtime.Settings(
        monitor=args.monitor,
        engine=args.engine,
        project=args.project,
        stack=args.stack,
        parallel=parallel,
        dry_run=args.dry_run == "true",
        organization=args.organization,
        root_directory=args.root_directory,
    )
    pulumi.runtime.configure(settings)

    sys.argv = [args.PROGRAM, *args.ARGS]
    if args.pwd:
        os.chdir(args.pwd)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    executor = ThreadPoolExecutor(max_workers=max(parallel or 1, 1) * 4)
    loop.set_default_executor(executor)
    # A failed deployment leaves futures of the program's dataflow graph unobserved; asyncio's
    # complaints about them are noise for the user (Pulumi's own runner silences them too).
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    program = os.path.abspath(args.PROGRAM)

    def run() -> None:
        if os.path.isdir(program) and not os.path.exists(os.path.join(program, "__main__.py")):
            raise _MissingMain(f"unable to find main python program `__main__.py` in `{program}`")
        runpy.run_path(args.PROGRAM, run_name="__main__")

    code = 1
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(run))
        code = 0
    except _MissingMain as exc:
        code = _report(pulumi, str(exc))
    except pulumi.RunError as exc:
        _report(pulumi, str(exc))
        code = 1
    except Exception:
        message = "Program failed with an unhandled exception:\n" + _user_traceback(program)
        code = _report(pulumi, message)
    finally:
        executor.shutdown(wait=True)
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()
    return code


def _report(pulumi: object, message: str) -> int:
    """Log the error through the engine; fall back to stderr when that fails."""
    try:
        pulumi.log.error(message)  # type: ignore[attr-defined]
    except Exception:
        print(message, file=sys.stderr)
        return 1
    return EXIT_ERROR_ALREADY_REPORTED


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
