"""A user behind a private CA, under the real pulumi CLI: refused with one line that
says what to set, trusted with ``cacertFile``, and let through by ``insecure`` with a
warning the preview shows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from harness import PulumiProject, diagnostics

from pulumi_rocketmq_migration.emulator import Emulator, Scenario
from tests.conftest import tls_files

pytestmark = pytest.mark.e2e

ACCESS_KEY = "AKNETWORKSTORY0001"
SECRET_KEY = "NetworkStorySecretMustNeverLeak00000001"
PROJECT_ID = "network-story-project"


@pytest.fixture
def private_ca_emulator(tmp_path: Path) -> Iterator[tuple[Emulator, Path]]:
    """The demo over https, with a certificate from a CA no trust store knows."""
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with Emulator(
        Scenario.demo(),
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        project_id=PROJECT_ID,
        **tls_files(ca, tmp_path),
    ) as running:
        yield running, ca_file


def test_a_private_ca_is_refused_then_trusted_then_skipped_with_a_warning(
    pulumi_project: PulumiProject, private_ca_emulator: tuple[Emulator, Path]
) -> None:
    emulator, ca_file = private_ca_emulator
    project = pulumi_project
    project.copy_example("quickstart")
    project.env.update(HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY)
    project.config_set("huaweicloud:dmsEndpoint", emulator.base_url)
    project.config_set("huaweicloud:projectId", PROJECT_ID)

    refused = project.preview(check=False)
    assert refused.returncode != 0
    host = emulator.base_url.removeprefix("https://")
    (refusal,) = diagnostics(refused.stdout)[
        "pulumi-python:dynamic/rocketmq:MigrationTask (orders-migration)"
    ]
    assert f"the certificate of {host} is not trusted" in refusal
    assert "set huaweicloud:cacertFile or HW_CACERT_FILE" in refusal
    assert not emulator.requests, "no request got past the TLS handshake"

    project.config_set("huaweicloud:cacertFile", str(ca_file))
    trusted = project.preview()
    assert "task-rabbit-orders" in trusted.stdout
    assert "TLS verification is off" not in trusted.stdout + trusted.stderr

    project.run("config", "rm", "huaweicloud:cacertFile")
    project.config_set("huaweicloud:insecure", "true")
    skipped = project.preview()
    assert "task-rabbit-orders" in skipped.stdout
    # One warning, under the lookup that made the connection.
    lookup = "pulumi-python:dynamic/rocketmq:MigrationTask (orders-migration)"
    warned = diagnostics(skipped.stdout)[lookup]
    assert len(warned) == 1 and warned[0].startswith("warning: TLS verification is off")
    assert SECRET_KEY not in skipped.stdout + skipped.stderr
    assert {r.method for r in emulator.requests} == {"GET"}
