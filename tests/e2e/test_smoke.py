"""Smoke test of the real Pulumi CLI with our Python language host and dynamic providers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from harness import (
    PINNED_VERSION,
    PROGRAMS_DIR,
    PulumiProject,
    diagnostics,
    overlay_virtualenv,
)

pytestmark = pytest.mark.e2e

RECORD_TYPE = "pulumi-python:dynamic:Resource"


def test_cli_reports_pinned_version(pulumi_cli: Path) -> None:
    out = subprocess.run(
        [str(pulumi_cli), "version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PULUMI_SKIP_UPDATE_CHECK": "true", "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip() == f"v{PINNED_VERSION}"


def test_dynamic_resource_lifecycle(pulumi_project: PulumiProject, tmp_path: Path) -> None:
    store = tmp_path / "records"
    pulumi_project.copy_program(PROGRAMS_DIR / "smoke")
    pulumi_project.config_set("smoke:store", str(store))
    pulumi_project.config_set("smoke:message", "hi there")
    pulumi_project.config_set("smoke:token", "s3cr3t-value", secret=True)

    preview = pulumi_project.preview()
    assert "greeting" in preview.stdout
    assert "2 to create" in preview.stdout
    assert not store.exists(), "preview must not create anything"

    pulumi_project.up()
    outputs = pulumi_project.outputs()
    assert outputs["message"] == "hi there"
    assert outputs["length"] == len("hi there")
    assert outputs["token"] == "s3cr3t-value"
    record = Path(outputs["path"])
    assert record == store / f"{outputs['record_id']}.json"
    assert json.loads(record.read_text()) == {"message": "hi there"}
    # The secret config reached the program as a secret: encrypted in the state.
    state = json.dumps(pulumi_project.export())
    assert "s3cr3t-value" in state  # --show-secrets
    raw = pulumi_project.run("stack", "export", "--stack", pulumi_project.stack)
    assert raw.returncode == 0 and "s3cr3t-value" not in raw.stdout

    # Refresh reads the record back through the provider; change it behind Pulumi's back.
    record.write_text(json.dumps({"message": "edited"}))
    pulumi_project.refresh()
    refreshed = [r for r in pulumi_project.resources() if r["type"] == RECORD_TYPE]
    assert len(refreshed) == 1
    assert refreshed[0]["outputs"]["message"] == "edited"

    # A second `up` with unchanged config is a no-op for the program's inputs.
    again = pulumi_project.up()
    assert "error" not in again.stdout.lower()

    pulumi_project.destroy()
    assert not record.exists(), "destroy must delete the record through the provider"
    assert [r for r in pulumi_project.resources() if r["type"] == RECORD_TYPE] == []
    assert pulumi_project.outputs() == {}


def test_program_error_fails_the_update(pulumi_project: PulumiProject) -> None:
    pulumi_project.write_program(
        "import pulumi\n\npulumi.export('before', 1)\nraise ValueError('boom from the program')\n"
    )
    rc, out, err = pulumi_project.preview(check=False)
    assert rc != 0
    assert "boom from the program" in out + err
    # The host reported the error once (bail): no generic exit-code message on top of it.
    assert "non-zero exit code" not in out + err


def test_a_run_error_exits_1_as_with_pulumis_own_host(pulumi_project: PulumiProject) -> None:
    """Pulumi's Python host logs a RunError's message and exits 1; the engine says so."""
    pulumi_project.write_program("import pulumi\n\nraise pulumi.RunError('stopped on purpose')\n")
    rc, out, err = pulumi_project.preview(check=False)
    assert rc != 0
    stack = next(v for k, v in diagnostics(out).items() if k.startswith("pulumi:pulumi:Stack"))
    assert stack == [
        "error: stopped on purpose",
        "error: an unhandled error occurred: program exited with non-zero exit code: 1",
    ]
    assert "Traceback" not in out + err


def test_the_program_and_its_dynamic_provider_run_in_the_projects_virtualenv(
    pulumi_project: PulumiProject,
) -> None:
    """Pulumi.yaml's virtualenv, not the Python that started `pulumi`."""
    program = (
        "import sys\n"
        "import pulumi\n"
        "from pulumi.dynamic import CreateResult, Resource, ResourceProvider\n"
        "class Where(ResourceProvider):\n"
        "    def create(self, props):\n"
        "        import sys\n"
        "        return CreateResult('where', {'prefix': sys.prefix})\n"
        "class Here(Resource):\n"
        "    prefix: pulumi.Output[str]\n"
        "    def __init__(self, name):\n"
        "        super().__init__(Where(), name, {'prefix': None})\n"
        "pulumi.export('program', sys.prefix)\n"
        "pulumi.export('provider', Here('here').prefix)\n"
    )
    pulumi_project.write_program(program, name="venv-check")
    (pulumi_project.dir / "Pulumi.yaml").write_text(
        "name: venv-check\nruntime:\n  name: python\n  options:\n"
        "    toolchain: pip\n    virtualenv: venv\n"
    )
    venv = overlay_virtualenv(pulumi_project.dir / "venv")
    pulumi_project.up()
    outputs = pulumi_project.outputs()
    assert outputs == {"program": str(venv), "provider": str(venv)}
