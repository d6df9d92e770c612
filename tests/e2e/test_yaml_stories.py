"""Users' stories in Pulumi YAML: the provider plugin under the real CLI and Pulumi's YAML host.

Each project finds the plugin the warning-free way, through ``plugins: providers:`` in its
Pulumi.yaml, pointing at this checkout's console scripts; the installed-tarball route and the
PATH route have stories of their own in test_plugin_install.py.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
from harness import EXAMPLES_DIR, SCRIPTS_DIR, YAML_HOST, PulumiProject, diagnostics

from pulumi_rocketmq_migration.emulator import Emulator, Scenario

pytestmark = pytest.mark.e2e

ACCESS_KEY = "AKYAMLACCESS"
SECRET_KEY = "yaml-secret-key-must-never-leak"
PROJECT_ID = "yaml-project"
INSTANCE = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
ORDERS = "6cf4dcd3-8471-4139-8b5b-8a3a71f704c7"
LIVE = "d41f0c6a-7e2b-4a9d-b3c5-1f2e3d4c5b6a"
FAILED = "93a5e0b7-1c4d-4e2f-8a6b-7c8d9e0f1a2b"
BIG = "77777777-0000-4000-8000-000000000000"
GATES = 16


def wave_id(index: int) -> str:
    return f"{index:08d}-0000-4000-8000-000000000000"


def _scenario(**faults: Any) -> Scenario:
    base = json.loads(
        resources.files("pulumi_rocketmq_migration.emulator").joinpath("demo.json").read_text()
    )
    for entry in base["instances"][0]["tasks"]:
        if entry["id"] == LIVE:
            entry["timeline"] = [
                {"status": "creating"},
                {"status": "starting", "after_reads": 2},
                {"status": "finished", "after_reads": 4},
            ]
    # A big instance: 230 tasks, and pages silently cut to 10 whatever limit asks.
    base["instances"].append(
        {"id": BIG, "tasks": [], "generate": {"count": 230, "name_prefix": "bulk-"}}
    )
    # Sixteen tasks that finish on their fifth read.
    base["instances"][0]["tasks"].extend(
        {
            "id": wave_id(index),
            "name": f"wave-{index}",
            "start_date": "2024-06-01 00:00:00.00",
            "type": "rocketmq",
            "timeline": [{"status": "starting"}, {"status": "finished", "after_reads": 4}],
        }
        for index in range(GATES)
    )
    return Scenario.from_dict({**base, "faults": faults})


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(
        _scenario(limit_cap=10), access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID
    ) as running:
        yield running


def yaml_stack(project: PulumiProject, emulator: Emulator, body: str) -> PulumiProject:
    """A YAML project on the plugin, its keys in stack config (the secret one encrypted)."""
    plugins = f"plugins:\n  providers:\n    - name: rocketmq-migration\n      path: {SCRIPTS_DIR}\n"
    (project.dir / "Pulumi.yaml").write_text(f"name: yaml-e2e\nruntime: yaml\n{plugins}{body}")
    return plugin_config(project, emulator)


def plugin_config(project: PulumiProject, emulator: Emulator) -> PulumiProject:
    """The plugin's stack config: the emulator, and its keys (the secret one encrypted)."""
    project.config_set("rocketmq-migration:dmsEndpoint", emulator.base_url)
    project.config_set("rocketmq-migration:projectId", PROJECT_ID)
    project.config_set("rocketmq-migration:accessKey", ACCESS_KEY)
    project.config_set("rocketmq-migration:secretKey", SECRET_KEY, secret=True)
    # Stack config is text whatever the schema's type: the plugin takes it as text.
    project.config_set("rocketmq-migration:maxRetries", "2")
    project.config_set("rocketmq-migration:insecure", "false")
    return project


def only_gets(emulator: Emulator) -> None:
    assert emulator.requests, "the plugin read the service"
    assert {r.method for r in emulator.requests} == {"GET"}


def no_warnings_about_plugins(output: str) -> None:
    assert "from $PATH" not in output, output


def test_the_yaml_host_is_beside_the_cli(pulumi_cli):
    assert (pulumi_cli.parent / YAML_HOST).exists(), "ensure-pulumi builds it beside pulumi"


@pytest.mark.parametrize("pulumi_project", ["yaml-quickstart"], indirect=True)
def test_yaml_quickstart_reads_by_id_by_name_and_lists(pulumi_project, emulator):
    """The quickstart example as a user copies it: functions read live, in preview and up."""
    body = (EXAMPLES_DIR / "yaml-quickstart" / "Pulumi.yaml").read_text().split("\n", 2)[2]
    stack = yaml_stack(pulumi_project, emulator, body)
    preview = stack.preview()
    assert re.search(r'status\s*: "finished"', preview.stdout), preview.stdout
    no_warnings_about_plugins(preview.stdout + preview.stderr)
    stack.up()
    outputs = stack.outputs()
    assert outputs["status"] == "finished"
    assert outputs["migrated"]["queues"] == 4 and outputs["migrated"]["consumerGroups"] == 0
    assert outputs["syncTaskId"] == "2b7e9a41-5c3d-4f8e-a1b2-93c4d5e6f708"
    assert outputs["finishedTasks"] == outputs["statusCounts"]["finished"] >= 2
    only_gets(emulator)


def test_a_listing_under_a_silent_cap_is_exact(pulumi_project, emulator):
    stack = yaml_stack(
        pulumi_project,
        emulator,
        f"""variables:
  bulk:
    fn::invoke:
      function: rocketmq-migration:getMigrationTasks
      arguments:
        instanceId: {BIG}
outputs:
  total: ${{bulk.total}}
  ids: ${{bulk.ids}}
""",
    )
    stack.up()
    outputs = stack.outputs()
    assert outputs["total"] == 230 and len(set(outputs["ids"])) == 230
    only_gets(emulator)


@pytest.mark.parametrize("pulumi_project", ["yaml-gate"], indirect=True)
def test_yaml_gate_preview_never_waits_and_up_waits(pulumi_project, emulator):
    body = (EXAMPLES_DIR / "yaml-gate" / "Pulumi.yaml").read_text().split("\n", 2)[2]
    stack = yaml_stack(pulumi_project, emulator, body)
    stack.config_set("pollInterval", "1s")
    started = time.monotonic()
    preview = stack.preview()
    assert time.monotonic() - started < 30
    assert re.search(r'migrationStatus\s*: "creating"', preview.stdout), preview.stdout
    own = diagnostics(preview.stdout)["rocketmq-migration:index:MigrationTask (migration)"]
    assert any("`pulumi up` will wait for finished" in line for line in own), own
    up = stack.up()
    assert stack.outputs()["migrationStatus"] == "finished", up.stdout
    assert stack.outputs()["finishedAfterCutover"] == 3
    only_gets(emulator)
    # Unchanged and finished: the next preview reads it again and shows nothing to do.
    again = stack.preview("--diff")
    assert "_preview" not in again.stdout and "__" not in again.stdout, again.stdout


def test_a_failed_task_stops_the_gate_and_its_dependents(pulumi_project, emulator):
    stack = yaml_stack(
        pulumi_project,
        emulator,
        f"""resources:
  legacy:
    type: rocketmq-migration:MigrationTask
    properties:
      instanceId: {INSTANCE}
      taskId: {FAILED}
      waitFor: [finished]
  after:
    type: rocketmq-migration:MigrationTasks
    properties:
      instanceId: {INSTANCE}
    options:
      dependsOn:
        - ${{legacy}}
""",
    )
    for result in (stack.preview(check=False), stack.up(check=False)):
        assert result.returncode != 0
        own = diagnostics(result.stdout)["rocketmq-migration:index:MigrationTask (legacy)"]
        errors = [line for line in own if line.startswith("error:")]
        assert len(errors) == 1, own
        assert "migration task 'task-rabbit-legacy'" in errors[0] and "is failed" in errors[0]
        assert "Traceback" not in result.stdout + result.stderr
    types = {r["type"] for r in stack.resources()}
    assert "rocketmq-migration:index:MigrationTasks" not in types, "the dependent was not created"


def test_a_bad_argument_is_refused_naming_the_property(pulumi_project, emulator):
    stack = yaml_stack(
        pulumi_project,
        emulator,
        f"""resources:
  typo:
    type: rocketmq-migration:MigrationTask
    properties:
      instanceId: {INSTANCE}
      taskId: {ORDERS}
      waitFor: [done]
      timeout: soon
""",
    )
    result = stack.preview(check=False)
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert "waitFor" in text and "done" in text, text
    assert "Traceback" not in text
    assert not emulator.requests, "bad input is refused before anything is sent"


def test_keys_in_secret_config_are_never_in_clear(pulumi_project, emulator):
    stack = yaml_stack(
        pulumi_project,
        emulator,
        f"""variables:
  orders:
    fn::invoke:
      function: rocketmq-migration:getMigrationTask
      arguments:
        instanceId: {INSTANCE}
        taskId: {ORDERS}
resources:
  gate:
    type: rocketmq-migration:MigrationTask
    properties:
      instanceId: {INSTANCE}
      taskId: {ORDERS}
outputs:
  status: ${{orders.status}}
""",
    )
    result = stack.up()
    stored = stack.export_as_stored()
    for text in (result.stdout, result.stderr, stored, stack.files_on_disk()):
        assert SECRET_KEY not in text
    assert "secretKey" in stored and "ciphertext" in stored
    only_gets(emulator)


def test_sixteen_gates_wait_at_once(pulumi_project, emulator):
    """All sixteen gates are waiting at the same moment: none waits for a slot.

    A gate's wait runs from its second read (the first is the preview's) to its last. The
    engine itself runs 8 steps at once on a 2-CPU machine by default, so the user's
    `--parallel` lifts that; the plugin then serves them all (the dynamic provider: four).
    """
    gates = "\n".join(
        f"""  gate{index}:
    type: rocketmq-migration:MigrationTask
    properties:
      instanceId: {INSTANCE}
      taskId: {wave_id(index)}
      waitFor: [finished]
      pollInterval: 1s"""
        for index in range(GATES)
    )
    stack = yaml_stack(pulumi_project, emulator, f"resources:\n{gates}\n")
    stack.up("--parallel", "64")
    gates_done = [r for r in stack.resources() if "MigrationTask::gate" in r["urn"]]
    assert len(gates_done) == GATES
    assert all(r["outputs"]["status"] == "finished" for r in gates_done)
    reads: dict[str, list[float]] = {}
    for record in emulator.requests:
        asked = dict(record.query).get("id", "")
        if asked.startswith("000"):
            reads.setdefault(asked, []).append(record.time)
    assert len(reads) == GATES, reads
    waits = [(times[1], times[-1]) for times in reads.values()]
    most = max(sum(start <= moment <= end for start, end in waits) for moment, _ in waits)
    assert most == GATES, f"at most {most} gates were waiting at once"
    assert {r.method for r in emulator.requests} == {"GET"}


def test_refresh_rereads_every_lookup_and_fails_when_it_cannot(pulumi_project, emulator):
    stack = yaml_stack(
        pulumi_project,
        emulator,
        f"""resources:
  one:
    type: rocketmq-migration:MigrationTask
    properties:
      instanceId: {INSTANCE}
      name: task-rocket-sync
  all:
    type: rocketmq-migration:MigrationTasks
    properties:
      instanceId: {INSTANCE}
      name: task-rocket-sync
""",
    )
    stack.up()
    before = len(emulator.requests)
    stack.refresh()
    assert len(emulator.requests) > before, "refresh reads afresh"
    for resource in stack.resources():
        assert "error" not in (resource.get("outputs") or {})
    emulator.stop()
    down = stack.refresh(check=False)
    assert down.returncode != 0
    text = down.stdout + down.stderr
    assert "(one)" in text and "(all)" in text, text
    assert "Traceback" not in text


def test_an_explicit_provider_takes_its_keys_as_secret_inputs(pulumi_project, emulator):
    """`pulumi:providers:rocketmq-migration` with keys from secret config: ciphertext only."""
    (pulumi_project.dir / "Pulumi.yaml").write_text(
        f"""name: yaml-provider
runtime: yaml
plugins:
  providers:
    - name: rocketmq-migration
      path: {SCRIPTS_DIR}
config:
  sk:
    type: string
    secret: true
resources:
  dms:
    type: pulumi:providers:rocketmq-migration
    properties:
      dmsEndpoint: {emulator.base_url}
      projectId: {PROJECT_ID}
      accessKey: {ACCESS_KEY}
      secretKey: ${{sk}}
      maxRetries: 1
  orders:
    type: rocketmq-migration:MigrationTask
    properties:
      instanceId: {INSTANCE}
      taskId: {ORDERS}
    options:
      provider: ${{dms}}
outputs:
  status: ${{orders.status}}
"""
    )
    pulumi_project.config_set("sk", SECRET_KEY, secret=True)
    up = pulumi_project.up()
    assert pulumi_project.outputs()["status"] == "finished"
    stored = pulumi_project.export_as_stored()
    for text in (up.stdout, up.stderr, stored, pulumi_project.files_on_disk()):
        assert SECRET_KEY not in text
    provider = next(
        r for r in json.loads(stored)["deployment"]["resources"] if "providers:" in r["type"]
    )
    assert "ciphertext" in json.dumps(provider["inputs"]["secretKey"])
    only_gets(emulator)
