"""A user copies an example out of the repository and runs it as any Pulumi Python project.

`pulumi install` creates the example's own virtualenv (Pulumi.yaml: pip, `venv`) and installs
its requirements.txt, which points at this checkout; the program and the dynamic provider then
run in that virtualenv, never in the Python running the tests.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest
from harness import REPO_ROOT, PulumiProject

from pulumi_rocketmq_migration.emulator import Emulator

pytestmark = pytest.mark.e2e

ACCESS_KEY = "AKEXAMPLES"
SECRET_KEY = "examples-secret-key-never-shown"
PROJECT_ID = "examples-project"
INSTALL_TIMEOUT = 600


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID) as running:
        yield running


def installed(project: PulumiProject) -> subprocess.CompletedProcess[str]:
    """`pulumi install` in the project; returns its output once it succeeded."""
    result = project.run("install", stack=False, timeout=INSTALL_TIMEOUT)
    assert result.returncode == 0, result.stdout + result.stderr
    return subprocess.CompletedProcess([], 0, result.stdout, result.stderr)


def venv_python(project: PulumiProject, code: str) -> str:
    python = project.dir / "venv" / "bin" / "python"
    return subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()


@pytest.mark.parametrize(
    ("example", "expect"),
    [
        ("quickstart", {"status": "finished"}),
        ("inventory", {"total": 2}),
        ("gate", {"migration_status": "finished"}),
    ],
)
def test_a_copied_example_installs_and_runs_in_its_own_virtualenv(
    pulumi_project: PulumiProject, emulator: Emulator, example: str, expect: dict[str, object]
) -> None:
    project = pulumi_project
    project.copy_example(example, install=True)
    requirements = (project.dir / "requirements.txt").read_text()
    assert f"-e {REPO_ROOT}\n" in requirements  # still this checkout, from outside the repo
    assert not (project.dir / "venv").exists()

    install = installed(project)
    output = install.stdout + install.stderr
    for step in (
        "Creating virtual environment...",
        "Updating pip, setuptools, and wheel in virtual environment...",
        "Installing dependencies in virtual environment...",
        "Finished installing dependencies",
    ):
        assert step in output
    assert "rocketmq-migration" not in output.split("Finished installing dependencies")[-1]
    origin = venv_python(
        project, "import pulumi_rocketmq_migration as p, sys; print(sys.prefix, p.__file__)"
    )
    assert origin.startswith(str(project.dir / "venv"))
    assert origin.endswith(str(REPO_ROOT / "provider/pulumi_rocketmq_migration/__init__.py"))

    project.env.update(HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY)
    project.config_set("huaweicloud:dmsEndpoint", emulator.base_url)
    project.config_set("huaweicloud:projectId", PROJECT_ID)
    if example == "gate":
        project.config_set("rocketmq-migration-gate:pollInterval", "1s")

    preview = project.preview()
    up = project.up()
    outputs = project.outputs()
    for key, value in expect.items():
        assert outputs[key] == value
    destroy = project.destroy()
    assert project.resources() == []
    assert {r.method for r in emulator.requests} == {"GET"}
    for text in (preview.stdout, up.stdout, destroy.stdout, json.dumps(project.export())):
        assert SECRET_KEY not in text
