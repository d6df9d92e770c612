"""Parsing at the boundary: documented shapes in, typed errors naming the field out."""

from __future__ import annotations

import json

import pytest

from pulumi_rocketmq_migration.errors import InvalidRequest, InvalidResponse
from pulumi_rocketmq_migration.models import (
    MetadataTask,
    MigratedMetadata,
    TaskDetail,
    TaskFilter,
    TaskPage,
)

SEED = {
    "total": 1,
    "task": [
        {
            "id": "6cf4dcd3-8471-4139-8b5b-8a3a71f704c7",
            "name": "task-932331847",
            "start_date": "2023-03-13 19:43:32.12",
            "status": "finished",
            "type": "rabbitToRocket",
        }
    ],
}


def test_the_seed_example_parses():
    page = TaskPage.from_json(SEED)
    assert page.total == 1
    assert page.tasks[0].finished and not page.tasks[0].in_progress
    assert page.tasks[0].undocumented == ()
    assert page.to_json() == SEED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"task": []}, "total"),
        ({"total": "1", "task": []}, "total"),
        ({"total": True, "task": []}, "total"),
        ({"total": 1}, "task"),
        ({"total": 1, "task": [{"id": "x"}]}, "task[0].name"),
        ({"total": 1, "task": [{**SEED["task"][0], "status": 3}]}, "task[0].status"),
        ([], "body"),
    ],
)
def test_a_missing_or_mistyped_field_is_named(body, field):
    with pytest.raises(InvalidResponse) as caught:
        TaskPage.from_json(body)
    assert caught.value.field == field


def test_undocumented_values_are_kept_and_flagged():
    task = MetadataTask.from_json({**SEED["task"][0], "status": "paused", "type": "kafka"})
    assert (task.status, task.type) == ("paused", "kafka")
    assert task.undocumented == ("status", "type")
    assert task.task_status is None


def test_the_detail_form_exposes_what_was_migrated():
    content = {
        "topicConfigTable": {"t1": {"topicName": "t1"}, "t2": {"topicName": "t2"}},
        "subscriptionGroupTable": {"g1": {"groupName": "g1"}},
    }
    body = {
        "name": "sync",
        "start_date": "2024-01-01 00:00:00",
        "status": "starting",
        "type": "rocketmq",
        "json_content": json.dumps(content),
    }
    detail = TaskDetail.from_json(body, "task-1")
    assert detail is not None
    assert detail.task.id == "task-1"
    assert detail.metadata == MigratedMetadata(topics=("t1", "t2"), consumer_groups=("g1",))


def test_the_list_form_answers_for_the_task_asked_for():
    assert TaskDetail.from_json(SEED, "other") is None
    found = TaskDetail.from_json(SEED, SEED["task"][0]["id"])
    assert found is not None and found.metadata is None


def test_broken_json_content_is_an_invalid_response():
    body = {"name": "n", "start_date": "d", "status": "finished", "type": "rocketmq"}
    with pytest.raises(InvalidResponse, match="json_content"):
        TaskDetail.from_json({**body, "json_content": "{not json"}, "t")


def test_filters_check_their_values_and_match_task_fields():
    tasks = TaskPage.from_json(SEED).tasks
    assert TaskFilter(task_type="rabbitToRocket", status="finished").select(tasks) == tasks
    assert TaskFilter(name="other").select(tasks) == ()
    with pytest.raises(InvalidRequest, match="task_type"):
        TaskFilter(task_type="rabbit")
    with pytest.raises(InvalidRequest, match="status"):
        TaskFilter(status="done")


def test_a_detail_answer_for_another_task_is_an_invalid_response():
    body = {
        "id": "t-other",
        "name": "n",
        "start_date": "d",
        "status": "finished",
        "type": "rocketmq",
    }
    with pytest.raises(InvalidResponse) as caught:
        TaskDetail.from_json({**body, "json_content": ""}, "t-asked")
    assert caught.value.field == "id"
    assert "t-asked" in str(caught.value)
    same = TaskDetail.from_json({**body, "json_content": ""}, "t-other")
    assert same is not None and same.task.id == "t-other"
