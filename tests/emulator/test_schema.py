"""The OpenAPI document is valid and says what the seed page says."""

from __future__ import annotations

from openapi_spec_validator import validate

from pulumi_rocketmq_migration.models import METADATA_KINDS, STATUSES, TASK_TYPES

from .helpers import ERROR_VALIDATOR, OK_VALIDATOR, SPEC


def test_the_openapi_document_is_valid() -> None:
    validate(SPEC)


def test_it_documents_the_parameters_and_enums() -> None:
    operation = SPEC["paths"]["/v2/{project_id}/instances/{instance_id}/metadata"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) == {"project_id", "instance_id", "id", "type", "offset", "limit", "name"}
    assert params["type"]["schema"]["enum"] == list(METADATA_KINDS)
    assert params["offset"]["schema"]["minimum"] == 1
    schemas = SPEC["components"]["schemas"]
    assert schemas["TaskStatus"]["enum"] == list(STATUSES)
    assert schemas["TaskType"]["enum"] == list(TASK_TYPES)
    assert set(SPEC["components"]["securitySchemes"]) == {"aksk", "token"}


def test_the_response_check_is_not_vacuous() -> None:
    task = {"id": "a", "name": "b", "start_date": "c", "status": "finished", "type": "rocketmq"}
    assert OK_VALIDATOR.is_valid({"total": 1, "task": [task]})
    assert OK_VALIDATOR.is_valid({**task, "json_content": "{}"})
    assert not OK_VALIDATOR.is_valid({"total": 1, "task": [{**task, "status": "weird"}]})
    assert not OK_VALIDATOR.is_valid({"total": 1})
    assert not ERROR_VALIDATOR.is_valid({"error_code": 400})
