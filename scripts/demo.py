#!/usr/bin/env python3
"""`make demo`: the quickstart example under the real Pulumi CLI, on the local emulator.

Starts the emulator with its built-in demo scenario, copies examples/quickstart into
a temporary project with a local file backend, and runs preview (showing the task's
live status), up, the stack outputs and destroy. Credentials go to the provider
through the environment only, as the README recommends.
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))

from harness import HOW_TO_GET_PULUMI, PulumiError, PulumiProject, locate_pulumi

from pulumi_rocketmq_migration.emulator import emulator_process

ACCESS_KEY = "DEMOACCESSKEY"
PROJECT_ID = "demo-project"


def step(title: str) -> None:
    print(f"\n=== {title} ===", flush=True)


def main() -> int:
    pulumi, problem = locate_pulumi()
    if pulumi is None:
        print(f"demo: Pulumi CLI not available: {problem}\n{HOW_TO_GET_PULUMI}", file=sys.stderr)
        return 1
    secret_key = secrets.token_urlsafe(24)  # a fresh one per run: nothing to leak
    options = ["--access-key", ACCESS_KEY, "--project-id", PROJECT_ID]
    with emulator_process(*options, secret_key=secret_key) as endpoint:
        print(f"demo: emulator serving the built-in demo scenario at {endpoint}")
        with tempfile.TemporaryDirectory(prefix="rocketmq-migration-demo-") as tmp:
            project = PulumiProject(
                Path(tmp),
                pulumi,
                stack="demo",
                # The harness also points HW_METADATA_ENDPOINT at a closed loopback port.
                env={"HW_ACCESS_KEY": ACCESS_KEY, "HW_SECRET_KEY": secret_key},
            )
            project.copy_example("quickstart")
            print(f"demo: project in {project.dir}, state in {project.state_dir} ({pulumi})")
            try:
                project.config_set("huaweicloud:dmsEndpoint", endpoint)
                project.config_set("huaweicloud:projectId", PROJECT_ID)
                step("pulumi preview: the task's live status, before any update")
                print(project.preview().stdout)
                step("pulumi up")
                print(project.up().stdout)
                step("stack outputs")
                print(json.dumps(project.outputs(), indent=2, sort_keys=True))
            except PulumiError as exc:
                print(f"demo failed: {exc}", file=sys.stderr)
                return 1
            finally:
                if project.stack_created:
                    step("pulumi destroy: a lookup is only forgotten")
                    print(project.destroy(check=False).stdout)
    print("demo finished")
    return 0


if __name__ == "__main__":
    sys.exit(main())
