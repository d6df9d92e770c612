"""``python -m pulumi_rocketmq_migration.emulator``: serve a scenario until told to stop.

The first line on stdout is the base URL (``http://127.0.0.1:PORT``), flushed, so a
parent process can start the emulator on ``--port 0`` and read where it listens.
``main`` takes an argv so another CLI can delegate to it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .scenario import Scenario
from .server import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_rocketmq_migration.emulator",
        description="Serve GET /v2/{project_id}/instances/{instance_id}/metadata locally.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks one")
    parser.add_argument("--access-key", required=True, help="the accepted access key (AK)")
    parser.add_argument("--secret-key", required=True, help="its secret key (SK)")
    parser.add_argument("--project-id", required=True, help="the accepted project id")
    parser.add_argument(
        "--token", action="append", default=[], help="an accepted X-Auth-Token (repeatable)"
    )
    parser.add_argument("--scenario", help="scenario JSON file (default: the built-in demo)")
    parser.add_argument("--record", help="append every request to this file as a JSON line")
    parser.add_argument(
        "--tls-cert", help="serve https with this PEM certificate (chain); needs --tls-key"
    )
    parser.add_argument("--tls-key", help="the PEM private key of --tls-cert")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
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
            secret_key=args.secret_key,
            project_id=args.project_id,
            tokens=args.token,
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
