"""`pulumi refresh`, the third way a Python lookup is read, as a user runs it.

The reproducer of issue 16: a stack made by the quickstart and inventory examples, refreshed
with the service up (every lookup read again with the program's own inputs, no error kept)
and down (the refresh fails, naming the lookup and the cause). And an unchanged stack's
`pulumi preview --diff` shows no internal input as a change.
"""

from __future__ import annotations

import json

import pytest
from harness import PulumiProject
from test_lookup_stories import ACCESS_KEY, SECRET_KEY, configure, emulator, stack  # noqa: F401

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi
from pulumi_rocketmq_migration import MigrationTask, MigrationTasks

instance = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
orders = MigrationTask("orders", instance_id=instance, name="task-rabbit-orders")
rabbit = MigrationTasks(
    "rabbit", instance_id=instance, task_type="rabbitToRocket", name="task-rabbit-orders"
)
pulumi.export("status", orders.status)
pulumi.export("total", rabbit.total)
"""


def lookups(project: PulumiProject) -> list[dict]:
    return [r for r in project.resources() if "dynamic/rocketmq" in r["type"]]


def test_a_refresh_rereads_each_lookup_with_its_inputs_and_keeps_no_error(stack, emulator):
    stack.write_program(PROGRAM)
    configure(stack, emulator)
    stack.up()
    before = len(emulator.requests)
    refresh = stack.refresh()
    assert len(emulator.requests) > before, "refresh reads afresh"
    assert "error" not in refresh.stdout.lower(), refresh.stdout
    for lookup in lookups(stack):
        assert lookup["outputs"].get("error") is None, lookup["outputs"]
    by_name = {r["urn"].rsplit("::", 1)[-1]: r["outputs"] for r in lookups(stack)}
    assert by_name["orders"]["status"] == "finished"
    assert by_name["rabbit"]["total"] == 1, "the set's name filter survived the refresh"
    assert {r.method for r in emulator.requests} == {"GET"}
    stored = json.dumps(stack.export())
    assert SECRET_KEY not in stored


def test_a_refresh_with_the_service_down_fails_naming_the_lookup(stack, emulator):
    stack.write_program(PROGRAM)
    configure(stack, emulator, **{"huaweicloud:maxRetries": "0"})
    stack.up()
    emulator.stop()
    down = stack.refresh(check=False)
    assert down.returncode != 0, down.stdout
    text = down.stdout + down.stderr
    assert "MigrationTask 'orders': " in text and "MigrationTasks 'rabbit': " in text, text
    assert "no answer" in text
    assert ACCESS_KEY not in text and SECRET_KEY not in text
    for lookup in lookups(stack):
        assert lookup["outputs"].get("error") is None, "a failed read is not stored"


def test_an_unchanged_stack_previews_without_internal_inputs(stack, emulator):
    stack.write_program(PROGRAM)
    configure(stack, emulator)
    stack.up()
    preview = stack.preview("--diff")
    for internal in ("_preview", "_lookup", "_urn", "__inputs"):
        assert internal not in preview.stdout, preview.stdout
