"""schema/lookups.json is the lookups' contract: the code and the schema must agree."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import attrs
import pytest

import pulumi_rocketmq_migration as package
from pulumi_rocketmq_migration.models import STATUSES, TASK_TYPES
from pulumi_rocketmq_migration.settings import CONFIG_NAMESPACE, SOURCES

SCHEMA = json.loads((Path(__file__).parents[1] / "schema" / "lookups.json").read_text())
LOOKUPS = {
    "pulumi-python:dynamic/rocketmq:MigrationTask": package.MigrationTask,
    "pulumi-python:dynamic/rocketmq:MigrationTasks": package.MigrationTasks,
}
FUNCTIONS = {
    "rocketmq-migration:index:getMigrationTask": (
        package.get_migration_task,
        package.MigrationTaskResult,
    ),
    "rocketmq-migration:index:getMigrationTasks": (
        package.get_migration_tasks,
        package.MigrationTasksResult,
    ),
}


def keyword_inputs(function) -> set[str]:
    skip = {"self", "resource_name", "opts"}
    return {name for name in inspect.signature(function).parameters if name not in skip}


@pytest.mark.parametrize("token", sorted(LOOKUPS))
def test_lookup_inputs_and_outputs_match(token):
    resource = LOOKUPS[token]
    spec = SCHEMA["resources"][token]
    assert resource._resource_type_name == token.removeprefix("pulumi-python:")
    assert keyword_inputs(resource.__init__) == set(spec["inputProperties"])
    own = resource.__annotations__  # this class's only: strings, unevaluated
    outputs = {name for name, hint in own.items() if str(hint).startswith("pulumi.Output")}
    assert outputs == set(spec["properties"])


@pytest.mark.parametrize("token", sorted(FUNCTIONS))
def test_function_inputs_and_outputs_match(token):
    function, result = FUNCTIONS[token]
    spec = SCHEMA["functions"][token]
    assert keyword_inputs(function) == set(spec["inputs"]["properties"])
    assert {f.name for f in attrs.fields(result)} == set(spec["outputs"]["properties"])


def test_enums_match_the_models():
    task = SCHEMA["resources"]["pulumi-python:dynamic/rocketmq:MigrationTasks"]["inputProperties"]
    assert tuple(task["status"]["enum"]) == STATUSES
    assert tuple(task["task_type"]["enum"]) == TASK_TYPES


def test_config_keys_match_the_settings():
    keys = {f"{CONFIG_NAMESPACE}:{key}" for key, _ in SOURCES.values() if key}
    assert keys == set(SCHEMA["config"]["variables"])
