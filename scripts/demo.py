#!/usr/bin/env python3
"""`make demo` (placeholder): run a tiny stack through the real Pulumi CLI and tear it down.

Uses the end-to-end harness (tests/e2e/harness.py): a temporary project with a local file
backend, the smoke program (one Python dynamic resource), then preview, up, the stack outputs
and destroy. To be replaced by the quickstart example.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))

from harness import HOW_TO_GET_PULUMI, PROGRAMS_DIR, PulumiError, PulumiProject, locate_pulumi


def step(title: str) -> None:
    print(f"\n=== {title} ===", flush=True)


def main() -> int:
    pulumi, problem = locate_pulumi()
    if pulumi is None:
        print(f"demo: Pulumi CLI not available: {problem}\n{HOW_TO_GET_PULUMI}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="rocketmq-migration-demo-") as tmp:
        project = PulumiProject(Path(tmp), pulumi, stack="demo")
        project.copy_program(PROGRAMS_DIR / "smoke")
        print(f"demo: project in {project.dir}, state in {project.state_dir} ({pulumi})")
        try:
            project.config_set("smoke:store", str(Path(tmp) / "records"))
            project.config_set("smoke:message", "hello from make demo")
            step("pulumi preview")
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
                step("pulumi destroy")
                print(project.destroy(check=False).stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
