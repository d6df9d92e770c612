"""The upgrade fixtures: stacks deployed by a past release, kept to be run by this one.

Standard library only, like harness.py: scripts/upgrade-fixture uses it to write a fixture
(under the old release's Python) and tests/e2e/test_upgrade_stories.py to run one.

A fixture, ``tests/fixtures/upgrade/<version>/``, holds:

- ``Pulumi.yaml`` and ``__main__.py``: a program in that release's API, written by hand; a
  later release's program keeps 0.1.0's lookups and exports (the story checks them by
  name) and adds what that release brought;
- ``scenario.json``: the emulator's tasks the program read;
- ``Pulumi.upgrade.yaml``: the stack config, keys as secrets (ciphertext under PASSPHRASE);
- ``state/meta.yaml`` and ``state/stacks/<project>/upgrade.json``: the file backend's
  ``.pulumi/`` as that release's ``pulumi up`` left it;
- ``fixture.json``: the version, the commit its wheel was built from, the endpoint recorded.

The one machine-specific value in them is the emulator's address (its port was picked at
random), in the stack config and in the lookups' provider inputs; ``install`` rewrites it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES_DIR = REPO_ROOT / "tests" / "fixtures" / "upgrade"
STACK = "upgrade"
# The emulator's accepted keys and project; the keys go to stack config as secrets.
ACCESS_KEY = "AKUPGRADEFIXTURE"
SECRET_KEY = "upgrade-fixture-secret-key-never-in-clear"
PROJECT_ID = "upgrade-project"
PROGRAM_FILES = ("Pulumi.yaml", "__main__.py")
CONFIG_FILE = f"Pulumi.{STACK}.yaml"


def versions() -> list[str]:
    """Every release that has a fixture, oldest first."""
    found = [p.name for p in FIXTURES_DIR.iterdir() if (p / "fixture.json").is_file()]
    return sorted(found, key=lambda v: tuple(int(part) for part in v.split(".")))


def record(version: str) -> dict[str, Any]:
    """The fixture's fixture.json: version, commit, project, endpoint recorded."""
    return dict(json.loads((FIXTURES_DIR / version / "fixture.json").read_text()))


def install(version: str, project_dir: Path, state_dir: Path, endpoint: str) -> None:
    """Put a fixture's program, stack config and state where a PulumiProject runs them.

    The recorded emulator address becomes ``endpoint`` wherever it appears (stack config and
    checkpoint alike), so the stack sees exactly what it saw, at the new port.
    """
    source = FIXTURES_DIR / version
    recorded = record(version)["endpoint"]
    for name in (*PROGRAM_FILES, CONFIG_FILE):
        text = (source / name).read_text().replace(recorded, endpoint)
        (project_dir / name).write_text(text)
    backend = state_dir / ".pulumi"
    shutil.copytree(source / "state", backend, dirs_exist_ok=True)
    for checkpoint in (backend / "stacks").rglob("*.json"):
        checkpoint.write_text(checkpoint.read_text().replace(recorded, endpoint))
