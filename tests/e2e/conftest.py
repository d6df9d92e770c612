"""Fixtures for the end-to-end tests, which run the real Pulumi CLI.

The CLI must be the pinned version (scripts/pulumi-version) with the Python plugins; `make test`
puts scripts/ensure-pulumi's directory first on PATH. Without it the tests are skipped, except
under CI=true, where they fail: CI must never pass without running them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import HOW_TO_GET_PULUMI, PulumiProject, locate_pulumi, private_cli


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pulumi_cli(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of the pinned `pulumi` binary, with this checkout's language host beside it.

    Skips (fails under CI=true) when there is none.
    """
    pulumi, problem = locate_pulumi()
    if pulumi is None:
        message = f"Pulumi CLI not available: {problem}. {HOW_TO_GET_PULUMI}"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return private_cli(pulumi, tmp_path_factory.mktemp("pulumi-bin"))


@pytest.fixture
def pulumi_project(
    request: pytest.FixtureRequest, pulumi_cli: Path, tmp_path: Path
) -> Iterator[PulumiProject]:
    """A fresh project dir with its own file backend and PULUMI_HOME; stack "e2e".

    Parametrize it indirectly with an example name to start from examples/<name>:
    ``@pytest.mark.parametrize("pulumi_project", ["quickstart"], indirect=True)``.
    Whatever the test left deployed is destroyed afterwards (best effort).
    """
    project = PulumiProject(tmp_path, pulumi_cli)
    example = getattr(request, "param", None)
    if example:
        project.copy_example(example)
    yield project
    if project.stack_created:
        try:
            if project.resources():
                project.destroy(check=False)
        except Exception:  # cleanup must not mask the test's own outcome
            pass
