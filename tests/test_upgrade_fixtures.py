"""The names a deployed stack holds stay importable: what `pulumi refresh` and `destroy` unpickle.

Every lookup in a stack keeps the dynamic provider pickled by reference in its ``__provider``
(base64 of dill). The engine unpickles it with this version's code for every refresh and
destroy, so a module moved or a class renamed breaks every stack deployed before. Each
fixture under tests/fixtures/upgrade/ is the state a past release wrote; this reads the names
its pickles reference (as the unpickler asks for them) and loads each with this checkout.
tests/e2e/test_upgrade_stories.py runs the same stacks under the real CLI.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import dill
import pytest
from pulumi.dynamic import ResourceProvider

sys.path.insert(0, str(Path(__file__).resolve().parent / "e2e"))

import upgrades

from pulumi_rocketmq_migration.provider import MigrationTaskProvider

# What a 0.1.0 stack references, found in its fixture's pickles: keep each importable.
PICKLED_BY_0_1_0 = {("pulumi_rocketmq_migration.provider", "MigrationTaskProvider")}


class _Recorder(dill.Unpickler):  # type: ignore[misc]
    """An unpickler that notes every global it is asked for."""

    def __init__(self, pickled: bytes, asked: set[tuple[str, str]]) -> None:
        super().__init__(io.BytesIO(pickled))
        self.asked = asked

    def find_class(self, module: str, name: str) -> Any:
        self.asked.add((module, name))
        return super().find_class(module, name)


def _pickled_providers(version: str) -> list[bytes]:
    state = upgrades.FIXTURES_DIR / version / "state" / "stacks"
    found = []
    for checkpoint in state.rglob("*.json"):
        deployment = json.loads(checkpoint.read_text())["checkpoint"]["latest"]
        for resource in deployment["resources"]:
            for place in ("inputs", "outputs"):
                pickled = resource.get(place, {}).get("__provider")
                if pickled:
                    found.append(base64.b64decode(pickled))
    return found


def _ours(asked: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(m, n) for m, n in asked if m.split(".")[0] == "pulumi_rocketmq_migration"}


@pytest.mark.parametrize("version", upgrades.versions())
def test_every_provider_a_past_release_pickled_loads_as_todays(version):
    pickles = _pickled_providers(version)
    assert pickles, f"the {version} fixture holds no pickled provider"
    for pickled in pickles:
        asked: set[tuple[str, str]] = set()
        provider = _Recorder(pickled, asked).load()
        assert isinstance(provider, MigrationTaskProvider)
        assert _ours(asked), "pickled by reference to this package"


def test_the_names_a_0_1_0_stack_references_are_the_ones_kept():
    asked: set[tuple[str, str]] = set()
    for pickled in _pickled_providers("0.1.0"):
        _Recorder(pickled, asked).load()
    assert _ours(asked) == PICKLED_BY_0_1_0


@pytest.mark.parametrize(("module", "name"), sorted(PICKLED_BY_0_1_0))
def test_a_pickled_path_is_importable_where_the_stack_says(module, name):
    # A class that moves may leave its old name behind (a re-export): old pickles load
    # through it, new ones name the new place.
    found = getattr(importlib.import_module(module), name)
    assert isinstance(found, type) and issubclass(found, ResourceProvider)
