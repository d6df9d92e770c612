"""The emulator as a separate process, for callers that must not share its lifetime
or its GIL: the demo, and benchmarks that time a client against it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from .cli import SECRET_KEY_VARIABLE, TOKENS_VARIABLE


@contextmanager
def emulator_process(
    *options: str,
    secret_key: str,
    tokens: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Iterator[str]:
    """Start ``python -m pulumi_rocketmq_migration.emulator --port 0 <options>``; yield its URL.

    The secret key and the IAM tokens go to the child in its environment, not on its
    argv, where any user's ``ps`` would show them.
    """
    command = [sys.executable, "-m", "pulumi_rocketmq_migration.emulator", "--port", "0"]
    child_env = {
        **(os.environ if env is None else env),
        SECRET_KEY_VARIABLE: secret_key,
        TOKENS_VARIABLE: " ".join(tokens),
    }
    process = subprocess.Popen(
        [*command, *options], stdout=subprocess.PIPE, text=True, env=child_env, cwd=cwd
    )
    try:
        url = process.stdout.readline().strip() if process.stdout else ""
        if not url.startswith(("http://", "https://")):
            raise RuntimeError(f"the emulator did not start (exit code {process.wait()})")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
