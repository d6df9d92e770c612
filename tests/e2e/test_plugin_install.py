"""Installing the provider plugin as a user would, under the real CLI.

Three routes: the tarball `make plugin` packs, installed with `pulumi plugin install` (no
warning); the virtualenv's bin on PATH (the engine warns that it uses it from $PATH); and
`pulumi package get-schema` on the plugin, which loads and prints its schema.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from harness import PLUGIN, REPO_ROOT, SCRIPTS_DIR, PulumiProject
from test_yaml_stories import INSTANCE, ORDERS, emulator, plugin_config  # noqa: F401

from pulumi_rocketmq_migration._version import __version__
from pulumi_rocketmq_migration.package_schema import schema

pytestmark = pytest.mark.e2e

PROGRAM = f"""name: installed
runtime: yaml
variables:
  orders:
    fn::invoke:
      function: rocketmq-migration:getMigrationTask
      arguments:
        instanceId: {INSTANCE}
        taskId: {ORDERS}
outputs:
  status: ${{orders.status}}
"""


def configured(project: PulumiProject, emulator) -> PulumiProject:
    (project.dir / "Pulumi.yaml").write_text(PROGRAM)
    return plugin_config(project, emulator)


def without_scripts_on_path(project: PulumiProject) -> None:
    parts = project.env["PATH"].split(":")
    project.env["PATH"] = ":".join(p for p in parts if Path(p) != SCRIPTS_DIR)


def test_the_tarball_installs_and_runs_without_a_warning(pulumi_project, emulator, tmp_path):
    packed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "plugin-tarball"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert packed.endswith(f"{PLUGIN}-v{__version__}-linux-amd64.tar.gz")
    project = configured(pulumi_project, emulator)
    without_scripts_on_path(project)
    install = project.run(
        "plugin",
        "install",
        "resource",
        "rocketmq-migration",
        __version__,
        "--file",
        packed,
        stack=False,
    )
    assert install.returncode == 0, install.stderr
    listed = project.run("plugin", "ls", stack=False).stdout
    assert re.search(rf"rocketmq-migration\s+resource\s+{re.escape(__version__)}", listed), listed
    up = project.up()
    assert project.outputs()["status"] == "finished"
    assert "from $PATH" not in up.stdout + up.stderr


def test_the_virtualenv_on_path_is_found_with_the_engines_warning(pulumi_project, emulator):
    project = configured(pulumi_project, emulator)
    preview = project.preview()
    assert re.search(r'status\s*: "finished"', preview.stdout), preview.stdout
    assert f"using {PLUGIN} from $PATH" in preview.stdout + preview.stderr


def test_the_cli_loads_the_plugins_schema(pulumi_project):
    started = time.monotonic()
    result = pulumi_project.run("package", "get-schema", str(SCRIPTS_DIR / PLUGIN), stack=False)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["name"] == "rocketmq-migration" and loaded["version"] == __version__
    assert set(loaded["functions"]) == set(schema()["functions"])
    assert set(loaded["resources"]) == set(schema()["resources"])
    assert loaded["config"]["variables"]["secretKey"]["secret"] is True
    assert time.monotonic() - started < 60
