"""Networks as they are: an https endpoint with a private CA, and a CONNECT proxy.

The emulator serves https with a certificate made here (trustme); proxy.py, a real
proxy, runs on loopback. The lookups' provider and the CLI both go through them.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import proxy
import pytest
import trustme

from pulumi_rocketmq_migration.cli import main
from pulumi_rocketmq_migration.client import MigrationClient, RetryPolicy
from pulumi_rocketmq_migration.emulator import Emulator, Faults, emulator_process
from pulumi_rocketmq_migration.errors import ServiceUnavailable
from pulumi_rocketmq_migration.provider import MigrationTaskProvider
from pulumi_rocketmq_migration.settings import Credentials, Settings

from .conftest import (
    ACCESS_KEY,
    INSTANCE_ID,
    PROJECT_ID,
    SECRET_KEY,
    scenario,
    task,
    tls_files,
)

TASK_ID = "c1100000-0000-4000-8000-000000000001"
BIN = shutil.which("rocketmq-migration", path=str(Path(sys.executable).parent))


class FakeConfigure:
    def __init__(self, values: dict[str, str]) -> None:
        self.config = values


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def https_emulator(ca: trustme.CA, tmp_path: Path) -> Iterator[Emulator]:
    with Emulator(
        scenario([task(TASK_ID, "orders-sync")]),
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        project_id=PROJECT_ID,
        **tls_files(ca, tmp_path),
    ) as running:
        yield running


class _Tunnels:
    """The proxy's access log, one line per tunnel it carried, as it closes.

    proxy.py serves from a forked process, so its log goes through a file handler
    that the child inherits.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handler = logging.FileHandler(path)

    @property
    def lines(self) -> list[str]:
        self.handler.flush()
        text = self.path.read_text() if self.path.exists() else ""
        return [line for line in text.splitlines() if " - CONNECT " in line]


@pytest.fixture
def https_proxy(tmp_path: Path) -> Iterator[tuple[str, _Tunnels]]:
    tunnels = _Tunnels(tmp_path / "proxy-access.log")
    log = logging.getLogger("proxy.http.proxy.server")
    log.addHandler(tunnels.handler)
    log.setLevel(logging.INFO)
    flags = {"num_workers": 1, "num_acceptors": 1, "threaded": True}
    try:
        with proxy.Proxy(hostname=ipaddress.ip_address("127.0.0.1"), port=0, **flags) as running:
            yield f"http://127.0.0.1:{running.flags.port}", tunnels
    finally:
        log.removeHandler(tunnels.handler)
        tunnels.handler.close()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HW_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("HW_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("HW_PROJECT_ID", PROJECT_ID)


def read(emulator: Emulator, **config: str) -> dict:
    provider = MigrationTaskProvider()
    provider.configure(FakeConfigure({f"huaweicloud:{k}": v for k, v in config.items()}))
    props = {"__lookup": "task", "instance_id": INSTANCE_ID, "task_id": TASK_ID}
    outs = provider.read("x", {**props, "endpoint": emulator.base_url}).outs
    for client in provider._clients.values():
        client.close()  # ends the tunnel, so that the proxy logs it
    return outs


def tunnel_to(
    emulator: Emulator, tunnels: _Tunnels, more_than: int = 0, within: float = 10.0
) -> bool:
    """Whether the proxy logged more than ``more_than`` tunnels to the emulator (it logs
    each one as it closes)."""
    target = f"CONNECT {emulator.base_url.removeprefix('https://')}"
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if sum(target in line for line in tunnels.lines) > more_than:
            return True
        time.sleep(0.05)
    return False


def cli(emulator: Emulator, *extra: str) -> list[str]:
    return [
        "get",
        "--instance-id",
        INSTANCE_ID,
        "--task-id",
        TASK_ID,
        "--endpoint",
        emulator.base_url,
        *extra,
    ]


# -- TLS -----------------------------------------------------------------------


def test_default_verification_refuses_a_private_ca_with_one_line_saying_what_to_set(
    https_emulator, env, capsys
):
    outs = read(https_emulator)
    host = https_emulator.base_url.removeprefix("https://")
    assert f"the certificate of {host} is not trusted" in outs["error"]
    assert "cacertFile" in outs["error"]
    assert "\n" not in outs["error"]
    assert main(cli(https_emulator)) == 6
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "HW_CACERT_FILE" in err and "Traceback" not in err
    assert not https_emulator.requests, "nothing was sent over an untrusted connection"


def test_the_ca_file_makes_it_pass(https_emulator, env, ca_file, monkeypatch, capsys):
    outs = read(https_emulator, cacertFile=ca_file)
    assert outs["error"] is None and outs["status"] == "finished"
    monkeypatch.setenv("HW_CACERT_FILE", ca_file)
    assert main(cli(https_emulator)) == 0
    assert json.loads(capsys.readouterr().out)["task_id"] == TASK_ID


def test_insecure_makes_it_pass_with_one_warning(https_emulator, env, monkeypatch, capsys):
    outs = read(https_emulator, insecure="true")
    assert outs["error"] is None
    capsys.readouterr()
    monkeypatch.setenv("HW_INSECURE", "true")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main([*cli(https_emulator), "--output", "json"]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "warning: TLS verification is off" in err
    assert caught == [], "urllib3 says nothing on top"


@pytest.mark.parametrize("problem", ["missing", "empty"])
def test_a_missing_or_empty_ca_file_is_a_usage_error(
    https_emulator, env, tmp_path, problem, capsys
):
    path = tmp_path / "ca.pem"
    if problem == "empty":
        path.write_text("")
    os.environ["HW_CACERT_FILE"] = str(path)
    try:
        assert main(cli(https_emulator)) == 2
    finally:
        del os.environ["HW_CACERT_FILE"]
    err = capsys.readouterr().err
    assert err.startswith("rocketmq-migration: error: cacertFile:") and err.count("\n") == 1


def test_the_emulator_cli_serves_https(ca, tmp_path):
    cert = ca.issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "c.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "k.pem"))
    options = ["--access-key", ACCESS_KEY, "--project-id", PROJECT_ID]
    options += ["--tls-cert", str(tmp_path / "c.pem"), "--tls-key", str(tmp_path / "k.pem")]
    with emulator_process(*options, secret_key=SECRET_KEY) as url:
        assert url.startswith("https://127.0.0.1:")


# -- proxies -------------------------------------------------------------------


def test_the_provider_and_the_cli_go_through_a_connect_proxy_and_still_sign(
    https_emulator, env, ca_file, https_proxy, monkeypatch, tmp_path
):
    url, tunnels = https_proxy
    monkeypatch.setenv("HTTPS_PROXY", url)
    outs = read(https_emulator, cacertFile=ca_file)
    assert outs["error"] is None and outs["status"] == "finished"
    assert tunnel_to(https_emulator, tunnels), "the provider's request went through the proxy"
    carried = len(tunnels.lines)

    assert BIN
    cli_env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "HW_ACCESS_KEY": ACCESS_KEY,
        "HW_SECRET_KEY": SECRET_KEY,
        "HW_PROJECT_ID": PROJECT_ID,
        "HW_CACERT_FILE": ca_file,
        "HW_METADATA_ENDPOINT": os.environ["HW_METADATA_ENDPOINT"],
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"],
        "https_proxy": url,
    }
    result = subprocess.run(
        [BIN, *cli(https_emulator)], env=cli_env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert tunnel_to(https_emulator, tunnels, carried), "the CLI's request went through it too"
    # Every request arrived signed, and the signature verified (200), through the tunnel.
    assert https_emulator.requests and all(r.status == 200 for r in https_emulator.requests)
    assert all(r.header("Authorization") for r in https_emulator.requests)


def test_no_proxy_bypasses_the_proxy(https_emulator, env, ca_file, https_proxy, monkeypatch):
    url, tunnels = https_proxy
    monkeypatch.setenv("HTTPS_PROXY", url)
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    outs = read(https_emulator, cacertFile=ca_file)
    assert outs["error"] is None
    assert not tunnel_to(https_emulator, tunnels, within=1.0) and tunnels.lines == []
    assert https_emulator.requests


def test_a_dead_proxy_is_not_skipped(https_emulator, env, ca_file, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:1")
    outs = read(https_emulator, cacertFile=ca_file)
    assert outs["error"] and "no answer" in outs["error"]
    assert not https_emulator.requests, "the proxy is not bypassed when it fails"


def test_netrc_never_replaces_the_signature(serve, env, tmp_path, monkeypatch):
    emulator = serve(scenario([task(TASK_ID, "orders-sync")]))
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login user password netrc-pass\n")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(tmp_path / ".netrc"))
    outs = read(emulator)
    assert outs["error"] is None
    assert emulator.requests and all(r.status == 200 for r in emulator.requests)


# -- the deadline holds over TLS and through a proxy ---------------------------------


@pytest.mark.parametrize("through_proxy", [False, True], ids=["direct", "through a proxy"])
@pytest.mark.parametrize(
    "faults",
    [Faults(hang=50), Faults(trickle=50)],
    ids=["silent", "trickling: never silent long enough for a read timeout"],
)
def test_a_stuck_https_server_is_cut_off_at_the_deadline(
    https_emulator, ca_file, https_proxy, through_proxy, faults
):
    https_emulator.set_faults(faults)
    settings = Settings(
        endpoint=https_emulator.base_url,
        project_id=PROJECT_ID,
        credentials=Credentials(access_key=ACCESS_KEY, secret_key=SECRET_KEY),
        ca_bundle=ca_file,
        proxy=https_proxy[0] if through_proxy else None,
        read_timeout=30.0,
    )
    policy = RetryPolicy(max_retries=0, deadline=1.0)
    started = time.monotonic()
    with (
        MigrationClient(settings, retry=policy) as client,
        pytest.raises(ServiceUnavailable, match="cut off at the deadline"),
    ):
        client.get_task(INSTANCE_ID, TASK_ID)
    assert time.monotonic() - started < 2.0
    assert len(https_emulator.requests) == 1
