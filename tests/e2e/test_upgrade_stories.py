"""A stack deployed with an earlier release keeps working after upgrading to this version.

Each fixture under tests/fixtures/upgrade/ (upgrades.py says what it holds) is a stack a past
release deployed: its program, its stack config and the file backend's checkpoint, written
by scripts/upgrade-fixture with that release's own wheel. Here this checkout takes the stack
through preview, refresh, up and destroy under the real CLI, against a fresh emulator on
the fixture's scenario. The checkpoint is copied into a temporary backend and the recorded
emulator address rewritten to the new one (the only machine-specific value in it); the
secrets decrypt with the e2e passphrase (harness.PASSPHRASE) the fixture was made under.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import upgrades
from harness import PulumiProject

from pulumi_rocketmq_migration.emulator import Emulator, Scenario

pytestmark = pytest.mark.e2e

# Steps a preview of an unchanged stack may take: a lookup is read again, the rest is kept.
QUIET_STEPS = {"same", "read"}
# What an up with this version changes in a 0.1.0 lookup: its outputs gain the program's
# inputs kept for a refresh and two internal values; its internal inputs are renamed with
# `__`, which the engine's display leaves out. Every output 0.1.0 stored stays, unchanged.
NEW_OUTPUTS = {"__inputs", "__lookup", "__urn"}
RENAMED_INPUTS = {"_lookup": "__lookup", "_preview": "__preview", "_urn": "__urn"}
# The task the second emulator adds, so a refresh shows it read the service, not the state.
LATE_TASK = {
    "id": "d4a5f6e7-0404-4d8e-9fa0-a1b2c3d4e5f6",
    "name": "task-late",
    "start_date": "2026-12-01 08:00:00.00",
    "type": "rabbitToRocket",
    "status": "finished",
}


def _scenario(version: str, *extra: dict[str, str]) -> Scenario:
    recorded = json.loads((upgrades.FIXTURES_DIR / version / "scenario.json").read_text())
    recorded["instances"][0]["tasks"].extend(extra)
    return Scenario.from_dict(recorded)


def _emulator(scenario: Scenario, port: int = 0) -> Emulator:
    keys = {"access_key": upgrades.ACCESS_KEY, "secret_key": upgrades.SECRET_KEY}
    return Emulator(scenario, project_id=upgrades.PROJECT_ID, port=port, **keys)


@pytest.fixture(params=upgrades.versions())
def deployed(
    request: pytest.FixtureRequest, pulumi_cli: Path, tmp_path: Path
) -> Iterator[tuple[str, PulumiProject, Emulator]]:
    """The fixture's stack in a fresh backend, its emulator running at the address written in."""
    version = request.param
    with _emulator(_scenario(version)) as emulator:
        project = PulumiProject(tmp_path, pulumi_cli, stack=upgrades.STACK)
        upgrades.install(version, project.dir, project.state_dir, emulator.base_url)
        yield version, project, emulator


def _lookups(stack: PulumiProject, part: str = "outputs") -> dict[str, dict[str, Any]]:
    return {
        r["urn"].rsplit("::", 1)[-1]: r[part]
        for r in stack.resources()
        if "dynamic/rocketmq" in r["type"]
    }


def _steps(preview_json: str) -> dict[str, str]:
    return {
        step["urn"].rsplit("::", 1)[-1]: step["op"] for step in json.loads(preview_json)["steps"]
    }


def test_a_stack_deployed_with_an_earlier_release_keeps_working_after_the_upgrade(deployed):
    version, stack, emulator = deployed
    recorded = stack.outputs()
    recorded_lookups = _lookups(stack)
    recorded_inputs = _lookups(stack, "inputs")
    assert len(recorded_lookups) == 5, f"the {version} fixture's five lookups"

    preview = stack.preview("--json", "--diff")
    steps = _steps(preview.stdout)
    assert set(steps.values()) <= QUIET_STEPS, steps
    assert {n for n, op in steps.items() if op == "read"} == set(recorded_lookups), steps
    assert "error" not in preview.stderr.lower(), preview.stderr

    port = int(emulator.base_url.rsplit(":", 1)[1])
    emulator.stop()
    with _emulator(_scenario(version, LATE_TASK), port=port) as live:
        refresh = stack.refresh()
        assert "error" not in refresh.stdout.lower(), refresh.stdout
        assert live.requests, "the refresh read the service"
        refreshed = _lookups(stack)
        late = recorded_lookups["every-task"]["total"] + 1
        assert refreshed["every-task"]["total"] == late, "the refresh read the live listing"
        assert refreshed["orders"]["status"] == "finished"
        assert all(o.get("error") is None for o in refreshed.values())

        up = stack.up()
        assert "error" not in up.stderr.lower(), up.stderr
        counts = {
            **recorded["status_counts"],
            "finished": recorded["status_counts"]["finished"] + 1,
        }
        assert stack.outputs() == {
            **recorded,
            "total": recorded["total"] + 1,
            "status_counts": counts,
        }
        for name, outputs in _lookups(stack).items():
            old = recorded_lookups[name]
            assert set(outputs) - set(old) == NEW_OUTPUTS, name
            assert set(old) <= set(outputs), f"{name}: an output of {version} is gone"
            assert outputs["__provider"] == old["__provider"], "the same provider, pickled"
            inputs = set(recorded_inputs[name])
            renamed = (inputs - set(RENAMED_INPUTS)) | set(RENAMED_INPUTS.values())
            assert set(_lookups(stack, "inputs")[name]) == renamed, name
            if name != "every-task":  # the late task is in its listing
                kept = {k: v for k, v in outputs.items() if k in old and k != "__provider"}
                assert kept == {k: old[k] for k in kept}, name

        stored = stack.files_on_disk()  # the checkpoint, its backups and history, the config
        assert upgrades.SECRET_KEY not in stored
        assert upgrades.ACCESS_KEY not in stored

        stack.destroy()
        assert stack.resources() == []
        requests = [*emulator.requests, *live.requests]
    assert requests, "the lookups reached the emulator"
    assert {r.method for r in requests} == {"GET"}
