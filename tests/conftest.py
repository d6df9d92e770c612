"""Shared fixtures: a real emulator on loopback and settings that point at it.

Also: the loopback guard (tests/loopback_guard.py) is on for every test, and the ECS
metadata address and IAM (HUAWEICLOUD_SDK_IAM_ENDPOINT) point at a closed loopback
port, for this process and every subprocess a test starts, unless a test points them
at an emulator.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme

from pulumi_rocketmq_migration.emulator import (
    Emulator,
    Faults,
    MetadataService,
    Scenario,
    TemporaryKeys,
)
from pulumi_rocketmq_migration.settings import Credentials, Settings
from tests.loopback_guard import loopback_only  # noqa: F401  (an autouse fixture)

# Port 1 on loopback: nothing listens there, so a metadata lookup is refused at once.
CLOSED_METADATA = "http://127.0.0.1:1"
os.environ["HW_METADATA_ENDPOINT"] = CLOSED_METADATA
CLOSED_IAM = "http://127.0.0.1:1"
os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = CLOSED_IAM
os.environ.pop("HW_AUTH_URL", None)

ACCESS_KEY = "AKTESTACCESSKEY"
SECRET_KEY = "sk-never-printed-7f3a9c"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
INSTANCE_ID = "11111111-2222-3333-4444-555555555555"


def scenario(tasks: list[dict[str, Any]] | None = None, **instance: Any) -> Scenario:
    """A one-instance scenario with the given tasks (or a generated set)."""
    body: dict[str, Any] = {"id": INSTANCE_ID, "tasks": tasks or []}
    body.update(instance)
    return Scenario.from_dict({"instances": [body]})


def task(task_id: str, name: str, status: str = "finished", **extra: Any) -> dict[str, Any]:
    entry = {
        "id": task_id,
        "name": name,
        "start_date": extra.pop("start_date", "2024-05-20 10:15:42.31"),
        "type": extra.pop("type", "rabbitToRocket"),
    }
    if "timeline" not in extra:
        entry["status"] = status
    entry.update(extra)
    return entry


@pytest.fixture
def serve() -> Iterator[Callable[..., Emulator]]:
    """Start emulators for a test; stops them afterwards."""
    running: list[Emulator] = []

    def start(scene: Scenario | None = None, faults: Faults | None = None) -> Emulator:
        emulator = Emulator(
            scene,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            project_id=PROJECT_ID,
            tokens=("iam-token-123",),
        ).start()
        if faults is not None:
            emulator.set_faults(faults)
        running.append(emulator)
        return emulator

    yield start
    for emulator in running:
        emulator.stop()


@pytest.fixture
def serve_metadata() -> Iterator[Callable[..., Emulator]]:
    """An emulator with its ECS metadata service: one task, temporary keys accepted."""
    running: list[Emulator] = []

    def start(lifetime: float = 3600.0, **options: Any) -> Emulator:
        metadata = MetadataService(TemporaryKeys(lifetime), **options)
        emulator = Emulator(
            scenario([task("c1100000-0000-4000-8000-000000000001", "orders-sync")]),
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            project_id=PROJECT_ID,
            metadata=metadata,
        ).start()
        running.append(emulator)
        return emulator

    yield start
    for emulator in running:
        emulator.stop()


@pytest.fixture
def machine_in_shanghai(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's local time zone is UTC+8 for the test (a signature is in UTC)."""
    monkeypatch.setenv("TZ", "CST-8")  # POSIX form: needs no tz database
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def tls_files(ca: trustme.CA, directory: Path) -> dict[str, Path]:
    """An emulator's ``tls_cert`` and ``tls_key`` for loopback, issued by ``ca``."""
    cert = ca.issue_cert("127.0.0.1", "localhost")
    chain, key = directory / "server.pem", directory / "server.key"
    chain.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    cert.private_key_pem.write_to_path(str(key))
    return {"tls_cert": chain, "tls_key": key}


def settings_for(emulator: Emulator, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "endpoint": emulator.base_url,
        "project_id": PROJECT_ID,
        "credentials": Credentials(access_key=ACCESS_KEY, secret_key=SECRET_KEY),
        "max_retries": 3,
        "deadline": 20.0,
        "read_timeout": 5.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """This checkout's wheel and sdist, built once per session with `python -m build`."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(root)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, sorted(p.name for p in out.iterdir())
    return {"dir": out, "wheel": wheels[0], "sdist": sdists[0]}


# -- credential sources, shared by their test files ------------------------------

ID_TOKEN = "eyJhbGciOi.first-id-token.c2ln"  # the emulator's IAM accepts it (iam_scene)


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    """An OIDC id token file, as a CI system writes one."""
    path = tmp_path / "oidc-token"
    path.write_text(ID_TOKEN + "\n")
    return path


class Scripted:
    """A loopback service (the metadata service, or IAM) that gives the answers a test
    scripts, in order: (status, body) or (status, body, extra headers). It keeps what
    each request carried, so a test can check what was sent."""

    def __init__(self, answers: list[tuple[Any, ...]]) -> None:
        self.answers = answers
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        self.bodies: list[bytes] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.seen.append((self.command, self.path, dict(self.headers)))
                outer.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                status, body, *extra = outer.answers.pop(0) if outer.answers else (500, b"")
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "/elsewhere")
                for name, value in (extra[0] if extra else {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    started: list[Scripted] = []

    def start(*answers: tuple[Any, ...]) -> Scripted:
        service = Scripted(list(answers))
        started.append(service)
        return service

    yield start
    for service in started:
        service.close()
