"""A user's story: nothing that depends on a failed gate is ever created, whatever the timing.

The program (programs/late_dependents) makes three resources after its gate: one with only
``depends_on``, one taking the gate's output as an input, one with the gate as parent. With
``turns`` above 0 the gate's own check sees its ``error`` that many event-loop turns late: a
gate that stopped its dependents only by raising before they got their turns loses that race
(it did: one turn let all three be created). `up --skip-preview` runs the update's read,
where the task fails or the wait times out, without a preview stopping the program first.
"""

from __future__ import annotations

import json

import pytest
import test_lookup_stories as stories
from harness import PROGRAMS_DIR, PulumiProject, diagnostics
from test_lookup_stories import EXIT_1, FAILED, STUCK, configure

pytestmark = pytest.mark.e2e

# The lookup stories' fixtures: the emulator with their scenario, a stack that reaches it.
emulator = stories.emulator
stack = stories.stack

DEPENDENTS = ("after-depends-on", "after-output", "after-parent")
KIND = {"task": "MigrationTask", "tasks": "MigrationTasks"}


def assert_reported_on_the_gate(stdout: str, kind: str, *fragments: str) -> None:
    """The gate's error, once, under the gate; the stack only says the program exited 1."""
    groups = diagnostics(stdout)
    own = groups[f"pulumi-python:dynamic/rocketmq:{kind} (gate)"]
    errors = [m for m in own if m.startswith("error: ")]
    assert len(errors) == 1, own
    assert all(f in errors[0] for f in fragments), errors
    on_stack = next(v for k, v in groups.items() if k.startswith("pulumi:pulumi:Stack"))
    assert on_stack[-1] == EXIT_1, on_stack
    assert not any(f in m for m in on_stack for f in fragments), on_stack
    assert not any(name in key for key in groups for name in DEPENDENTS), groups


def created(project: PulumiProject) -> list[str]:
    """The dependents recorded in the state."""
    urns = [r["urn"] for r in project.resources()]
    return [name for name in DEPENDENTS if any(u.endswith(f"::{name}") for u in urns)]


@pytest.mark.parametrize("turns", [0, 1, 10], ids=lambda n: f"check-{n}-turns-late")
@pytest.mark.parametrize(
    ("lookup", "config", "fragments"),
    [
        ("task", {"taskId": FAILED}, ("'task-rabbit-legacy'", "is failed")),
        ("task", {"taskId": STUCK, "timeout": "1s"}, ("'task-stuck'", "still starting")),
        ("tasks", {"taskName": "task-rabbit-legacy"}, ("'task-rabbit-legacy'", "is failed")),
        ("tasks", {"taskName": "task-stuck", "timeout": "1s"}, ("'task-stuck'", "starting")),
    ],
    ids=["task-failed", "task-timeout", "tasks-failed", "tasks-timeout"],
)
def test_no_dependent_of_a_failed_gate_is_created(
    stack, emulator, lookup, config, fragments, turns
):
    stack.copy_program(PROGRAMS_DIR / "late_dependents")
    settings = {"lookup": lookup, "turns": str(turns), **config}
    configure(stack, emulator, **{f"late-dependents:{k}": v for k, v in settings.items()})

    result = stack.up("--skip-preview", check=False)

    assert result.returncode != 0
    assert created(stack) == [], json.dumps(stack.resources(), indent=1)
    assert not any(name in result.stdout for name in DEPENDENTS), "none was even registered"
    assert_reported_on_the_gate(result.stdout, KIND[lookup], *fragments)
    assert "Traceback" not in result.stdout + result.stderr
