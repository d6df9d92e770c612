"""A user starts from the `pulumi new` template, as they would from any Pulumi template.

The template's requirements.txt names the package as a user writes it; the test offers this
checkout's freshly built wheel to pip (PIP_FIND_LINKS), as a package index would.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from harness import TEMPLATES_DIR, PulumiProject

from pulumi_rocketmq_migration import __version__
from pulumi_rocketmq_migration.emulator import Emulator

pytestmark = pytest.mark.e2e

ACCESS_KEY = "AKNEWPROJECT"
SECRET_KEY = "new-project-secret-never-shown"
PROJECT_ID = "new-project"
INSTANCE = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
TEMPLATE = TEMPLATES_DIR / "rocketmq-migration-gate"


def test_pulumi_new_from_the_template_then_preview_reads_the_task(
    pulumi_project: PulumiProject, dists: dict[str, Any]
) -> None:
    project = pulumi_project
    project.env.update(
        PIP_FIND_LINKS=str(dists["dir"]), HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY
    )
    with Emulator(access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID) as emu:
        config = {
            "huaweicloud:region": "cn-north-4",
            "huaweicloud:projectId": PROJECT_ID,
            "huaweicloud:dmsEndpoint": emu.base_url,
            "instanceId": INSTANCE,
            "taskName": "task-rabbit-orders",
            "timeout": "5m",
        }
        args = ["new", str(TEMPLATE), "--yes", "--name", "orders-gate", "--stack", project.stack]
        for key, value in config.items():
            args += ["--config", f"{key}={value}"]
        created = project.run(*args, stack=False, timeout=600)
        assert created.returncode == 0, created.stdout + created.stderr
        project._stack_ready = True  # `pulumi new` created and selected it

        yaml = (project.dir / "Pulumi.yaml").read_text()
        assert yaml.startswith("name: orders-gate\n")
        assert "\ntemplate:" not in yaml  # the template section stays in the template
        assert "Finished installing dependencies" in created.stdout + created.stderr
        version = subprocess.run(
            [str(project.dir / "venv" / "bin" / "rocketmq-migration"), "--version"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert version.strip() == f"rocketmq-migration {__version__}"

        stack_config = (project.dir / f"Pulumi.{project.stack}.yaml").read_text()
        assert "orders-gate:taskName: task-rabbit-orders" in stack_config
        assert "orders-gate:waitFor: finished" in stack_config  # the template's default

        preview = project.preview()
        assert "task-rabbit-orders" in preview.stdout or "finished" in preview.stdout
        paths = {r.path for r in emu.requests}
        assert any(f"/instances/{INSTANCE}/metadata" in p for p in paths), paths
