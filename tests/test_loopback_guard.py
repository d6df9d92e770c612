"""The loopback guard itself: nothing leaves loopback, and a test that tries fails."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from pulumi_rocketmq_migration.credentials.metadata import METADATA_DEFAULT
from pulumi_rocketmq_migration.settings import resolve
from tests import loopback_guard

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def blocked() -> Iterator[list[object]]:
    """Expect the guard to refuse; record any call that reached the real socket."""
    reached: list[object] = []
    real = loopback_guard._real_connect
    loopback_guard._real_connect = lambda sock, address: reached.append(address)  # type: ignore[assignment]
    try:
        with pytest.raises(loopback_guard.NonLoopbackConnection):
            yield reached
    finally:
        loopback_guard._real_connect = real
        assert loopback_guard.violations, "the guard recorded the attempt"
        loopback_guard.violations.clear()  # expected here: do not fail this test


def test_a_connect_to_the_metadata_address_is_refused_before_the_real_connect():
    with blocked() as reached:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.connect(("169.254.169.254", 80))
        finally:
            sock.close()
    assert reached == [], "the real connect was never called: no SYN left"


@pytest.mark.parametrize("host", ["169.254.169.254", "10.0.0.1", "example.com", "2001:db8::1"])
def test_every_address_outside_loopback_and_every_name_lookup_is_refused(host):
    with blocked() as reached:
        socket.create_connection((host, 443), timeout=0.5)
    assert reached == []
    with blocked():
        requests.get(f"http://{f'[{host}]' if ':' in host else host}/", timeout=0.5)


def test_without_its_setting_the_chain_would_ask_the_real_metadata_address_and_is_stopped():
    assert METADATA_DEFAULT == "http://169.254.169.254"
    env = {"HW_REGION_NAME": "cn-north-4", "HW_PROJECT_ID": "p"}  # no HW_METADATA_ENDPOINT
    with blocked() as reached:
        resolve(environ=env)
    assert reached == []


def test_loopback_is_allowed(serve):
    emulator = serve()
    with socket.create_connection(("127.0.0.1", int(emulator.base_url.rsplit(":", 1)[1]))):
        pass
    assert socket.getaddrinfo("localhost", 80)
    assert os.environ["HW_METADATA_ENDPOINT"] == "http://127.0.0.1:1"


def test_a_test_that_swallows_the_refusal_still_fails(tmp_path):
    (tmp_path / "test_sneaky.py").write_text(
        textwrap.dedent(
            """
            import socket

            def test_sneaky():
                try:
                    socket.create_connection(("169.254.169.254", 80), timeout=1)
                except Exception:
                    pass
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.loopback_guard", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout or "1 error" in result.stdout
    assert "169.254.169.254" in result.stdout and "not loopback" in result.stdout
