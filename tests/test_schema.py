"""schema/schema.json is the one source of names and types: the code must agree with it.

The Python lookups use the schema's names in snake_case; the plugin serves the file itself.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import attrs
import pytest

import pulumi_rocketmq_migration as package
from pulumi_rocketmq_migration.models import STATUSES, TASK_TYPES, MetadataTask, MigratedMetadata
from pulumi_rocketmq_migration.outputs import task_outputs, tasks_outputs
from pulumi_rocketmq_migration.package_schema import (
    FUNCTIONS,
    RESOURCES,
    camel,
    inputs_of,
    lookup_inputs,
    schema,
    snake,
)
from pulumi_rocketmq_migration.setting_places import SECRET_CONFIG_KEYS, SOURCES
from pulumi_rocketmq_migration.settings import Credentials, Settings

ROOT = Path(__file__).parents[1]
SCHEMA = json.loads((ROOT / "schema" / "schema.json").read_text())
PYTHON_LOOKUPS = {
    "rocketmq-migration:index:MigrationTask": package.MigrationTask,
    "rocketmq-migration:index:MigrationTasks": package.MigrationTasks,
}
PYTHON_FUNCTIONS = {
    "rocketmq-migration:index:getMigrationTask": (
        package.get_migration_task,
        package.MigrationTaskResult,
    ),
    "rocketmq-migration:index:getMigrationTasks": (
        package.get_migration_tasks,
        package.MigrationTasksResult,
    ),
}
# A Python program waits through the MigrationTask(s) resources; its get_* functions do
# not wait. Every other language waits through the schema's functions too.
WAIT_INPUTS = {"wait_for", "fail_on", "timeout", "poll_interval"}


def keyword_inputs(function) -> set[str]:
    skip = {"self", "resource_name", "opts"}
    return {name for name in inspect.signature(function).parameters if name not in skip}


def test_the_package_ships_the_schema_file():
    assert schema() == SCHEMA
    assert set(FUNCTIONS) == set(SCHEMA["functions"])
    assert set(RESOURCES) == set(SCHEMA["resources"])


@pytest.mark.parametrize("token", sorted(PYTHON_LOOKUPS))
def test_python_lookups_take_the_schema_inputs_and_give_its_outputs(token):
    resource = PYTHON_LOOKUPS[token]
    spec = SCHEMA["resources"][token]
    assert keyword_inputs(resource.__init__) == {snake(k) for k in spec["inputProperties"]}
    assert set(lookup_inputs(RESOURCES[token])) == keyword_inputs(resource.__init__)
    own = resource.__annotations__  # this class's only: strings, unevaluated
    outputs = {name for name, hint in own.items() if str(hint).startswith("pulumi.Output")}
    outputs.discard("error")  # the dynamic provider's way to carry a failure to the program
    # The set's filters are outputs in Python too; the plugin's gates echo every input.
    assert outputs <= {snake(k) for k in spec["properties"]}


@pytest.mark.parametrize("token", sorted(PYTHON_FUNCTIONS))
def test_python_functions_take_the_schema_inputs_and_give_its_outputs(token):
    function, result = PYTHON_FUNCTIONS[token]
    spec = SCHEMA["functions"][token]
    inputs = {snake(k) for k in spec["inputs"]["properties"]}
    assert keyword_inputs(function) == inputs - WAIT_INPUTS
    assert {f.name for f in attrs.fields(result)} == {
        snake(k) for k in spec["outputs"]["properties"]
    }


def test_the_core_outputs_are_the_schema_outputs():
    task = MetadataTask("t1", "orders", "2024-05-20 10:15:42.31", "finished", "rocketmq")
    where = Settings("https://dms.example", "p1", Credentials("ak", "sk"), region="cn-north-4")
    one = task_outputs(task, MigratedMetadata(), "i1", where, names=True)
    many = tasks_outputs([task], "i1", where)
    spec = SCHEMA["functions"]
    assert {camel(k) for k in one} == set(
        spec["rocketmq-migration:index:getMigrationTask"]["outputs"]["properties"]
    )
    assert {camel(k) for k in many} == set(
        spec["rocketmq-migration:index:getMigrationTasks"]["outputs"]["properties"]
    )
    summary = SCHEMA["types"]["rocketmq-migration:index:TaskSummary"]["properties"]
    assert {camel(k) for k in many["tasks"][0]} == set(summary)
    counts = spec["rocketmq-migration:index:getMigrationTask"]["outputs"]["properties"]
    assert {camel(k) for k in one["metadata_counts"]} <= set(counts)


def test_required_outputs_are_always_set_and_optional_ones_may_be_null():
    for token, spec in SCHEMA["resources"].items():
        assert set(spec["required"]) <= set(spec["properties"]), token
        assert set(spec["requiredInputs"]) == {"instanceId"}, token
    for token, spec in SCHEMA["functions"].items():
        assert set(spec["outputs"]["required"]) <= set(spec["outputs"]["properties"]), token
        assert spec["inputs"]["required"] == ["instanceId"], token
    task = SCHEMA["functions"]["rocketmq-migration:index:getMigrationTask"]["outputs"]
    optional = set(task["properties"]) - set(task["required"])
    assert optional == {"region", *(camel(k) for k in MigratedMetadata.KINDS)}


def test_enums_match_the_models():
    types = SCHEMA["types"]
    statuses = [m["value"] for m in types["rocketmq-migration:index:TaskStatus"]["enum"]]
    assert tuple(statuses) == STATUSES
    kinds = [m["value"] for m in types["rocketmq-migration:index:TaskType"]["enum"]]
    assert tuple(kinds) == TASK_TYPES


def test_config_keys_match_the_settings_and_keys_are_secret():
    variables = SCHEMA["config"]["variables"]
    assert {key for key, _ in SOURCES.values() if key} == set(variables)
    assert {k for k, v in variables.items() if v.get("secret")} == set(SECRET_CONFIG_KEYS)
    provider = SCHEMA["provider"]
    assert provider["inputProperties"] == variables
    assert {k for k, v in provider["properties"].items() if v.get("secret")} == set(
        SECRET_CONFIG_KEYS
    )


def test_every_property_has_a_description():
    def walk(properties, where):
        for name, spec in properties.items():
            assert spec.get("description"), f"{where}.{name}"

    for token, spec in SCHEMA["resources"].items():
        walk(spec["inputProperties"], token)
        walk(spec["properties"], token)
    for token, spec in SCHEMA["functions"].items():
        walk(spec["inputs"]["properties"], token)
        walk(spec["outputs"]["properties"], token)
    walk(SCHEMA["config"]["variables"], "config")


def test_names_turn_between_cases_both_ways():
    names = ("instanceId", "taskId", "pollInterval", "metadataCounts", "sharedConfigFile", "idp")
    for name in names:
        assert camel(snake(name)) == name
    assert snake("statusCounts") == "status_counts"


@pytest.mark.parametrize("token", sorted({**FUNCTIONS, **RESOURCES}))
def test_every_lookup_needs_an_instance_id_and_takes_the_schema_inputs(token):
    properties, required = inputs_of(token)
    if token in FUNCTIONS:
        assert properties == SCHEMA["functions"][token]["inputs"]["properties"]
    else:
        assert properties == SCHEMA["resources"][token]["inputProperties"]
    assert required == ("instanceId",)
