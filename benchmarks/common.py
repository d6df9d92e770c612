"""What every benchmark shares: credentials, the generated scenario and the emulator process."""

from __future__ import annotations

import json
import os
import statistics
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pulumi_rocketmq_migration.emulator import Scenario, emulator_process

REPO_ROOT = Path(__file__).resolve().parents[1]
ACCESS_KEY = "BENCHAK"
SECRET_KEY = "bench-secret-key"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
TOKEN = "bench-iam-token"


def instance_id(count: int) -> str:
    """The instance of the generated scenario holding ``count`` tasks."""
    return f"bench-instance-{count}"


def scenario(counts: Sequence[int]) -> dict[str, object]:
    """One instance per count, each with that many generated tasks."""
    return {
        "instances": [
            {"id": instance_id(n), "generate": {"count": n, "status": "finished"}} for n in counts
        ]
    }


def task_ids(counts: Sequence[int], count: int) -> list[str]:
    """The ids of the first ``count`` tasks of the instance holding ``max(counts)`` tasks."""
    loaded = Scenario.from_dict(scenario(counts))
    tasks = loaded.instances[instance_id(max(counts))].tasks
    return [tasks[i].id for i in range(count)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@contextmanager
def emulator(workdir: Path, counts: Sequence[int]) -> Iterator[str]:
    """An emulator subprocess serving ``scenario(counts)``; yields its base URL.

    It accepts the AK/SK pair and the IAM token above.
    """
    path = workdir / "scenario.json"
    path.write_text(json.dumps(scenario(counts)), encoding="utf-8")
    paths = [str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
    options = ["--access-key", ACCESS_KEY, "--project-id", PROJECT_ID]
    options += ["--scenario", str(path)]
    with emulator_process(
        *options, secret_key=SECRET_KEY, tokens=[TOKEN], env=env, cwd=REPO_ROOT
    ) as url:
        yield url
