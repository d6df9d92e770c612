"""The engine's values (wire.py): Structs in and out, secrets, unknowns, the schema's checks."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2

from pulumi_rocketmq_migration.package_schema import config_variables, inputs_of, lookup_inputs
from pulumi_rocketmq_migration.unknown import UNKNOWN
from pulumi_rocketmq_migration.wire import (
    OUTPUT_SIGNATURE,
    SECRET_SIGNATURE,
    SIGNATURE,
    UNKNOWN_VALUE,
    Values,
    check,
    decode,
    encode,
    from_core,
    has_unknown,
    in_schema_names,
    to_core,
)

TASK = "rocketmq-migration:index:getMigrationTask"
TASKS = "rocketmq-migration:index:MigrationTasks"
STATUSES = "creating, starting, failed, finished"


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    engine = struct_pb2.Struct()
    engine.update(values)
    return engine


# -- decoding and encoding ----------------------------------------------------------


def test_decoding_unwraps_secrets_and_outputs_and_keeps_which_keys_were_secret():
    decoded = decode(
        struct(
            {
                "secretKey": {SIGNATURE: SECRET_SIGNATURE, "value": "sk-1"},
                "accessKey": {SIGNATURE: OUTPUT_SIGNATURE, "value": "ak-1", "secret": True},
                "region": {SIGNATURE: OUTPUT_SIGNATURE, "value": "cn-north-4", "secret": False},
                "endpoint": {SIGNATURE: OUTPUT_SIGNATURE},  # an output not known yet
                "projectId": UNKNOWN_VALUE,
                # An object that has a "secret" property is not a secret.
                "assumeRole": {"agencyName": "ops", "secret": True},
                "waitFor": ["finished", UNKNOWN_VALUE],
                "maxRetries": 3.0,
            }
        )
    )
    assert decoded == Values(
        {
            "secretKey": "sk-1",
            "accessKey": "ak-1",
            "region": "cn-north-4",
            "endpoint": UNKNOWN,
            "projectId": UNKNOWN,
            "assumeRole": {"agencyName": "ops", "secret": True},
            "waitFor": ["finished", UNKNOWN],
            "maxRetries": 3,
        },
        frozenset({"secretKey", "accessKey"}),
    )
    assert isinstance(decoded.values["maxRetries"], int)


def test_encoding_wraps_the_secret_keys_and_writes_unknowns_as_the_engine_does():
    outputs = {
        "secretKey": "sk-1",
        "status": "starting",
        "ids": ("a", "b"),
        "tasks": [{"status": UNKNOWN}],
        "metadataCounts": {"topics": UNKNOWN},
    }
    engine = encode(outputs, frozenset({"secretKey", "notAnOutput"}))
    assert json_format.MessageToDict(engine) == {
        "secretKey": {SIGNATURE: SECRET_SIGNATURE, "value": "sk-1"},
        "status": "starting",
        "ids": ["a", "b"],
        "tasks": [{"status": UNKNOWN_VALUE}],
        "metadataCounts": {"topics": UNKNOWN_VALUE},
    }
    again = decode(engine)
    assert again.secret == {"secretKey"} and again.values["secretKey"] == "sk-1"


@pytest.mark.parametrize(
    ("values", "unknown"),
    [
        ({"waitFor": ["finished", UNKNOWN]}, True),
        ({"assumeRole": {"agencyName": UNKNOWN}}, True),
        ({"taskId": UNKNOWN}, True),
        ({"waitFor": ["finished"], "assumeRole": {"agencyName": "ops"}, "taskId": "t1"}, False),
    ],
)
def test_a_value_not_known_yet_is_found_at_any_depth(values, unknown):
    assert has_unknown(values) is unknown


# -- the schema's checks --------------------------------------------------------------


def test_an_unknown_property_names_the_allowed_ones_and_a_missing_required_one_is_named():
    properties, required = inputs_of(TASK)
    assert check({"taskId": "t1", "colour": "red"}, properties, required) == [
        (
            "colour",
            "unknown property; allowed: endpoint, failOn, instanceId, metadata, name, "
            "pollInterval, projectId, region, taskId, timeout, waitFor",
        ),
        ("instanceId", "required"),
    ]
    assert check({"instanceId": None}, *inputs_of(TASKS)) == [("instanceId", "required")]


@pytest.mark.parametrize(
    ("token", "name", "value", "problem"),
    [
        (TASKS, "status", "done", f"'done' is not one of {STATUSES}"),
        (TASKS, "taskType", "kafka", "'kafka' is not one of rocketmq, rabbitToRocket"),
        (TASK, "waitFor", "finished", "must be a list, got 'finished'"),
        (TASK, "waitFor", ["finished", "done"], f"item 2: 'done' is not one of {STATUSES}"),
        (TASK, "instanceId", 5, "must be a string, got 5"),
        ("config", "insecure", "yes", "must be a boolean, got 'yes'"),
        ("config", "maxRetries", True, "must be a whole number, got True"),
        ("config", "maxRetries", "3", "must be a whole number, got '3'"),
    ],
)
def test_a_wrong_type_names_what_the_property_takes_and_what_it_got(token, name, value, problem):
    properties = config_variables() if token == "config" else inputs_of(token)[0]
    assert check({name: value}, properties, ()) == [(name, problem)]


@pytest.mark.parametrize(
    ("token", "name", "value"),
    [
        (TASKS, "status", "starting"),
        (TASKS, "taskType", UNKNOWN),
        (TASK, "waitFor", ["finished", UNKNOWN]),
        (TASK, "failOn", None),
        ("config", "insecure", True),
        ("config", "maxRetries", 3),
        ("config", "assumeRole", {"agencyName": "ops"}),
    ],
)
def test_a_value_of_the_right_type_or_not_known_yet_passes(token, name, value):
    properties = config_variables() if token == "config" else inputs_of(token)[0]
    assert check({name: value}, properties, ()) == []


# -- names between the schema and the core --------------------------------------------


def test_inputs_come_in_snake_case_and_outputs_go_out_in_camel_case_nested_too():
    assert to_core({"instanceId": "i", "pollInterval": "1s", "name": "n"}) == {
        "instance_id": "i",
        "poll_interval": "1s",
        "name": "n",
    }
    outputs = {
        "task_id": "t1",
        "metadata_counts": {"consumer_groups": 2},
        "tasks": [{"start_date": "2024-05-20 10:15:42.31"}],
        "status_counts": {"starting": 1},
    }
    assert from_core(outputs) == {
        "taskId": "t1",
        "metadataCounts": {"consumerGroups": 2},
        "tasks": [{"startDate": "2024-05-20 10:15:42.31"}],
        "statusCounts": {"starting": 1},
    }


def test_a_core_message_names_inputs_as_the_schema_does():
    names = lookup_inputs("task")
    assert in_schema_names("fail_on: needs wait_for", names) == "failOn: needs waitFor"
    # A name inside a longer one is not rewritten first.
    assert (
        in_schema_names("give source_task_id or task_id", ("task_id", "source_task_id"))
        == "give sourceTaskId or taskId"
    )
