"""``python -m pulumi_rocketmq_migration.emulator``: serve a scenario until told to stop.

The first line on stdout is the base URL (``http://127.0.0.1:PORT``), flushed, so a
parent process can start the emulator on ``--port 0`` and read where it listens.
``main`` takes an argv so another CLI can delegate to it.

The secret key it accepts comes from ``--secret-key-file`` or ``$EMULATOR_SECRET_KEY``,
and the IAM tokens from ``$EMULATOR_TOKENS``, never from argv by choice: a process
list shows every argument to every user. ``--secret-key`` and ``--token`` still work,
with a warning, for scripts written before.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from .scenario import Scenario
from .server import Emulator

SECRET_KEY_VARIABLE = "EMULATOR_SECRET_KEY"
TOKENS_VARIABLE = "EMULATOR_TOKENS"  # accepted X-Auth-Tokens, by whitespace or commas


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_rocketmq_migration.emulator",
        description="Serve GET /v2/{project_id}/instances/{instance_id}/metadata locally.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks one")
    parser.add_argument("--access-key", required=True, help="the accepted access key (AK)")
    parser.add_argument(
        "--secret-key-file",
        metavar="PATH",
        help=f"file holding its secret key (SK); or set ${SECRET_KEY_VARIABLE}",
    )
    parser.add_argument(
        "--secret-key",
        help=f"deprecated: the SK on argv, where ps shows it (use --secret-key-file or "
        f"${SECRET_KEY_VARIABLE})",
    )
    parser.add_argument("--project-id", required=True, help="the accepted project id")
    parser.add_argument(
        "--token",
        action="append",
        default=[],
        help=f"deprecated: an accepted X-Auth-Token on argv, where ps shows it (repeatable; "
        f"use ${TOKENS_VARIABLE}, tokens separated by spaces or commas)",
    )
    parser.add_argument("--scenario", help="scenario JSON file (default: the built-in demo)")
    parser.add_argument("--record", help="append every request to this file as a JSON line")
    parser.add_argument(
        "--tls-cert", help="serve https with this PEM certificate (chain); needs --tls-key"
    )
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    return parser


def secret_key(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """The SK to accept, from exactly one place; ValueError says what is wrong."""
    given = [
        name
        for name, value in (
            ("--secret-key-file", args.secret_key_file),
            (f"${SECRET_KEY_VARIABLE}", environ.get(SECRET_KEY_VARIABLE)),
            ("--secret-key", args.secret_key),
        )
        if value
    ]
    if len(given) != 1:
        which = " and ".join(given) or "none"
        raise ValueError(
            f"give the secret key in exactly one place, --secret-key-file or "
            f"${SECRET_KEY_VARIABLE}: {which} given"
        )
    if args.secret_key_file:
        try:
            key = Path(args.secret_key_file).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeError) as exc:
            raise ValueError(
                f"--secret-key-file: cannot read {args.secret_key_file}: {exc}"
            ) from None
        if not key:
            raise ValueError(f"--secret-key-file: {args.secret_key_file} is empty")
        return key
    if args.secret_key:
        print(
            "emulator: warning: --secret-key shows the key to anyone who can list processes; "
            f"use --secret-key-file or ${SECRET_KEY_VARIABLE}",
            file=sys.stderr,
        )
        return str(args.secret_key)
    return environ[SECRET_KEY_VARIABLE]


def tokens(args: argparse.Namespace, environ: Mapping[str, str]) -> list[str]:
    """The IAM tokens to accept: ``$EMULATOR_TOKENS``, and any ``--token``, with a warning."""
    accepted = environ.get(TOKENS_VARIABLE, "").replace(",", " ").split()
    if args.token:
        print(
            "emulator: warning: --token shows the token to anyone who can list processes; "
            f"use ${TOKENS_VARIABLE}",
            file=sys.stderr,
        )
    return accepted + list(args.token)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        key = secret_key(args, os.environ)
        scenario = Scenario.load(args.scenario) if args.scenario else Scenario.demo()
    except ValueError as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 2
    if bool(args.tls_cert) != bool(args.tls_key):
        print("emulator: --tls-cert and --tls-key go together", file=sys.stderr)
        return 2
    try:
        tls = {"tls_cert": args.tls_cert, "tls_key": args.tls_key} if args.tls_cert else {}
        emulator = Emulator(
            scenario,
            access_key=args.access_key,
            secret_key=key,
            project_id=args.project_id,
            tokens=tokens(args, os.environ),
            host=args.host,
            port=args.port,
            record=args.record,
            **tls,
        )
    except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        print(f"emulator: cannot load --tls-cert/--tls-key: {exc}", file=sys.stderr)
        return 2
    try:
        emulator.start()
    except OSError as exc:
        print(f"emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        print(emulator.base_url, flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            if handler is not None:
                signal.signal(sig, handler)
        emulator.stop()
    return 0
