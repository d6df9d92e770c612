"""Users' stories of the lookup, under the real pulumi CLI, against the emulator."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import EXAMPLES_DIR, PulumiProject, adopt_copy, diagnostics

from pulumi_rocketmq_migration.emulator import Emulator, Scenario

pytestmark = pytest.mark.e2e

ACCESS_KEY = "AKE2EACCESS"
SECRET_KEY = "e2e-secret-key-must-never-leak"
SECURITY_TOKEN = "e2e-security-token-must-never-leak"
PROJECT_ID = "e2e-project"
INSTANCE = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
LIVE = "d41f0c6a-7e2b-4a9d-b3c5-1f2e3d4c5b6a"
FAILED = "93a5e0b7-1c4d-4e2f-8a6b-7c8d9e0f1a2b"
STUCK = "5e5e5e5e-0000-4000-8000-000000000001"


def _scenario() -> Scenario:
    """The demo scenario, with a scripted timeline and a task stuck in starting."""
    demo = Path(sys.modules["pulumi_rocketmq_migration.emulator"].__file__ or "").parent
    base = json.loads((demo / "demo.json").read_text())
    tasks = base["instances"][0]["tasks"]
    for entry in tasks:
        if entry["id"] == LIVE:
            entry["timeline"] = [
                {"status": "creating"},
                {"status": "starting", "after_reads": 2},
                {"status": "finished", "after_reads": 4},
            ]
    tasks.append(
        {
            "id": STUCK,
            "name": "task-stuck",
            "start_date": "2024-06-01 00:00:00.00",
            "type": "rocketmq",
            "status": "starting",
        }
    )
    return Scenario.from_dict(base)


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(
        _scenario(), access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID
    ) as running:
        yield running


@pytest.fixture
def stack(pulumi_project: PulumiProject, emulator: Emulator) -> PulumiProject:
    """A project whose lookups reach the emulator; secrets only in the environment."""
    pulumi_project.env.update(
        HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY, HW_SECURITY_TOKEN=SECURITY_TOKEN
    )
    return pulumi_project


def configure(project: PulumiProject, emulator: Emulator, **config: str) -> None:
    project.config_set("huaweicloud:dmsEndpoint", emulator.base_url)
    project.config_set("huaweicloud:projectId", PROJECT_ID)
    for key, value in config.items():
        project.config_set(key, value)


EXIT_1 = "error: an unhandled error occurred: program exited with non-zero exit code: 1"


def assert_reported_on_the_lookup(stdout: str, lookup: str, *fragments: str) -> None:
    """The lookup's error, once, under the lookup itself; the stack says the program exited 1.

    That is what Pulumi's Python host shows for a pulumi.RunError (it exits 1).
    """
    groups = diagnostics(stdout)
    own = groups[f"pulumi-python:dynamic/rocketmq:MigrationTask ({lookup})"]
    errors = [m for m in own if m.startswith("error: ")]
    assert len(errors) == 1, own
    for fragment in fragments:
        assert fragment in errors[0]
    stack = next(v for k, v in groups.items() if k.startswith("pulumi:pulumi:Stack"))
    assert stack[-1] == EXIT_1, stack
    assert not any(f in m for m in stack for f in fragments), stack


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET_KEY not in text
        assert SECURITY_TOKEN not in text


def test_preview_shows_the_live_status_and_destroy_only_forgets(stack, emulator):
    stack.copy_example("quickstart")
    configure(stack, emulator)

    preview = stack.preview("--diff")
    assert 'status    : "finished"' in preview.stdout or '"finished"' in preview.stdout
    assert "task-rabbit-orders" in preview.stdout

    up = stack.up()
    assert stack.outputs()["status"] == "finished"
    assert stack.outputs()["migrated"]["queues"] == 4
    reads_after_up = len(emulator.requests)
    refresh = stack.refresh()
    assert len(emulator.requests) > reads_after_up, "refresh reads afresh"
    export = json.dumps(stack.export())
    destroy = stack.destroy()

    assert {r.method for r in emulator.requests} == {"GET"}
    assert_no_secret(
        preview.stdout, preview.stderr, up.stdout, up.stderr, refresh.stdout, destroy.stdout, export
    )
    provider = next(
        r for r in json.loads(export)["deployment"]["resources"] if "__provider" in str(r)
    )
    assert len(provider["outputs"]["__provider"]) < 1024


def test_every_up_reads_afresh(stack, emulator):
    stack.copy_example("quickstart")
    configure(stack, emulator)
    stack.up()
    before = len(emulator.requests)
    stack.up()
    assert len(emulator.requests) > before


def test_inventory_lists_rabbit_tasks_across_pages(stack, emulator):
    stack.copy_example("inventory")
    configure(stack, emulator)
    stack.up()
    outputs = stack.outputs()
    assert outputs["total"] == len(outputs["ids"]) == 2
    assert outputs["status_counts"]["failed"] == 1
    assert outputs["status_counts"]["finished"] == 1
    assert len(outputs["finished_ids"]) == 1 and outputs["finished_ids"][0] in outputs["ids"]


def test_gate_waits_for_the_migration_then_cuts_over(stack, emulator):
    stack.copy_example("gate")
    configure(stack, emulator, **{"rocketmq-migration-gate:pollInterval": "1s"})

    preview = stack.preview()
    assert "will wait for finished" in preview.stdout + preview.stderr
    assert "creating" in preview.stdout

    up = stack.up()
    outputs = stack.outputs()
    assert outputs["migration_status"] == "finished"
    assert outputs["cutover"] == f"cutover-{LIVE}"
    assert "is starting" in up.stdout and "is finished" in up.stdout
    assert_no_secret(preview.stdout, up.stdout, up.stderr, json.dumps(stack.export()))


def test_a_failed_migration_stops_preview_and_up(stack, emulator):
    stack.copy_example("gate")
    configure(stack, emulator, **{"rocketmq-migration-gate:taskId": FAILED})
    preview = stack.preview(check=False)
    up = stack.up(check=False)
    for result in (preview, up):
        assert result.returncode != 0
        assert_reported_on_the_lookup(
            result.stdout, "orders-migration", "'task-rabbit-legacy'", "is failed"
        )
        assert "Traceback" not in result.stdout + result.stderr
    assert not any("consumer-cutover" in json.dumps(r) for r in stack.resources())


def test_a_missing_task_fails_with_not_found(stack, emulator):
    stack.copy_example("quickstart")
    configure(stack, emulator, **{"rocketmq-migration-quickstart:taskId": "no-such-task"})
    result = stack.preview(check=False)
    assert result.returncode != 0
    assert_reported_on_the_lookup(result.stdout, "orders-migration", "no-such-task", "DMS.00405011")


def test_the_timeout_names_the_task_and_its_last_status(stack, emulator):
    stack.copy_example("gate")
    configure(
        stack,
        emulator,
        **{
            "rocketmq-migration-gate:taskId": STUCK,
            "rocketmq-migration-gate:timeout": "1s",
            "rocketmq-migration-gate:pollInterval": "1s",
        },
    )
    result = stack.up(check=False)
    assert result.returncode != 0
    assert_reported_on_the_lookup(
        result.stdout, "orders-migration", "'task-stuck'", "still starting"
    )
    # Reporting the error must not give the cut-over, which depends on the lookup, a chance.
    assert not any("consumer-cutover" in json.dumps(r) for r in stack.resources())


@pytest.mark.parametrize(
    ("lookup", "message"),
    [
        ("MigrationTask('bad', instance_id='i', task_id='t', wait_for='done')", "wait_for: 'done'"),
        ("MigrationTask('bad', instance_id='i', task_id='t', name='n')", "task_id: give exactly"),
        ("MigrationTask('bad', instance_id='', task_id='t')", "instance_id: must be a non-empty"),
        ("MigrationTasks('bad', instance_id='i', task_type='kafka')", "task_type: 'kafka' is not"),
        ("MigrationTasks('bad', instance_id='i', status='done')", "status: 'done' is not one of"),
        ("MigrationTasks('bad', instance_id='i', fail_on='failed')", "fail_on: needs wait_for"),
        (
            "MigrationTask('bad', instance_id='i', task_id='t', wait_for='finished', timeout='x')",
            "timeout: 'x' is not a duration",
        ),
    ],
    ids=[
        "wait_for",
        "id-and-name",
        "empty-instance",
        "task_type",
        "status",
        "set-fail_on",
        "timeout",
    ],
)
def test_bad_input_names_the_property(stack, emulator, lookup, message):
    stack.write_program(
        f"from pulumi_rocketmq_migration import MigrationTask, MigrationTasks\n{lookup}\n"
    )
    configure(stack, emulator)
    result = stack.preview(check=False)
    assert result.returncode != 0
    assert f"'bad': {message}" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert not emulator.requests, "bad input is refused before anything is sent"


def test_an_unknown_instance_at_preview_gives_unknown_outputs(stack, emulator):
    stack.write_program(
        "import pulumi\n"
        "from pulumi.dynamic import CreateResult, Resource, ResourceProvider\n"
        "from pulumi_rocketmq_migration import MigrationTask\n"
        "class P(ResourceProvider):\n"
        "    def create(self, props):\n"
        f"        return CreateResult('x', {{'instance': '{INSTANCE}'}})\n"
        "class Instance(Resource):\n"
        "    instance: pulumi.Output[str]\n"
        "    def __init__(self, name):\n"
        "        super().__init__(P(), name, {'instance': None})\n"
        "task = MigrationTask('later', instance_id=Instance('new').instance,\n"
        f"                     task_id='{LIVE}')\n"
        "pulumi.export('status', task.status)\n"
    )
    configure(stack, emulator)
    preview = stack.preview()
    assert "status: [unknown]" in preview.stdout
    assert not emulator.requests, "nothing to read while the instance is unknown"


def test_automation_api_runs_the_gate_from_a_pipeline(stack, emulator, tmp_path):
    env = {
        **stack.env,
        "PULUMI_BACKEND_URL": (tmp_path / "auto-state").as_uri(),
    }
    (tmp_path / "auto-state").mkdir()
    gate = tmp_path / "gate"
    shutil.copytree(EXAMPLES_DIR / "gate", gate)
    adopt_copy(gate, EXAMPLES_DIR / "gate")
    result = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES_DIR / "automation"),
            "--endpoint",
            emulator.base_url,
            "--project-id",
            PROJECT_ID,
            "--poll-interval",
            "1s",
            "--gate-dir",
            str(gate),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "migration finished; cut-over cutover-" in result.stdout
    assert_no_secret(result.stdout, result.stderr)


def test_one_set_gate_waits_for_every_matching_task_and_stops_on_a_failure(stack, emulator):
    gate = (
        "import pulumi\n"
        "from pulumi_rocketmq_migration import MigrationTasks\n"
        "done = MigrationTasks('live-done', instance_id={instance!r}, {selection},\n"
        "                      wait_for='finished', poll_interval='1s', timeout='60s')\n"
        "pulumi.export('counts', done.status_counts)\n"
    )
    stack.write_program(gate.format(instance=INSTANCE, selection="name='task-rocket-live'"))
    configure(stack, emulator)
    preview = stack.preview()
    assert "1 migration task(s) not yet finished; `pulumi up` will wait" in preview.stdout
    up = stack.up()
    assert stack.outputs()["counts"]["finished"] == 1
    assert "'task-rocket-live' is starting" in up.stdout
    assert "1 of 1 tasks finished" in up.stdout
    assert not any(("type", "all") in r.query for r in emulator.requests), "listings only"

    stack.write_program(gate.format(instance=INSTANCE, selection="task_type='rabbitToRocket'"))
    failed = stack.preview(check=False)
    assert failed.returncode != 0
    assert "'task-rabbit-legacy'" in failed.stdout and "is failed" in failed.stdout
    assert "Traceback" not in failed.stdout + failed.stderr
