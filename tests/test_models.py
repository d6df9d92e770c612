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


@pytest.mark.parametrize("body", [[], "task", None])
def test_a_detail_answer_that_is_not_an_object_names_the_body(body):
    with pytest.raises(InvalidResponse) as caught:
        TaskDetail.from_json(body, "t")
    assert caught.value.field == "body"


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


# -- every refusal names the field and says what was wrong, word for word ---------------

TASK_FIELDS = {"name": "n", "start_date": "d", "status": "finished", "type": "rocketmq"}


@pytest.mark.parametrize(
    ("parse", "message"),
    [
        (lambda: TaskPage.from_json([]), "body: expected an object, got list"),
        (lambda: TaskPage.from_json({"task": []}), "total: missing"),
        (lambda: TaskPage.from_json({"total": None, "task": []}), "total: missing"),
        (lambda: TaskPage.from_json({"total": "1", "task": []}), "total: expected int, got str"),
        (
            lambda: TaskPage.from_json({"total": -1, "task": []}),
            "total: must not be negative, got -1",
        ),
        (
            lambda: TaskPage.from_json({"total": 1, "task": [3]}),
            "task[0]: expected an object, got int",
        ),
        (
            lambda: TaskPage.from_json({"total": 1, "task": [{**TASK_FIELDS}]}),
            "task[0].id: missing",
        ),
        (lambda: MetadataTask.from_json("x"), "body: expected an object, got str"),
        (lambda: TaskDetail.from_json(7, "t"), "body: expected an object, got int"),
        (lambda: TaskDetail.from_json({"json_content": ""}, "t"), "name: missing"),
        (
            lambda: TaskDetail.from_json({**TASK_FIELDS, "id": 5, "json_content": ""}, "t"),
            "id: expected str, got int",
        ),
        (
            lambda: TaskDetail.from_json({**TASK_FIELDS, "id": "u\x1b", "json_content": ""}, "t"),
            "id: asked for task 't', the answer is for 'u\\x1b'",
        ),
        (lambda: MigratedMetadata.from_json_content(3), "json_content: expected str, got int"),
        (
            lambda: MigratedMetadata.from_json_content("[]"),
            "json_content: expected an object, got list",
        ),
        (
            lambda: MigratedMetadata.from_json_content('{"vhosts": 1}'),
            "json_content.vhosts: expected a list or object, got int",
        ),
        (
            lambda: MigratedMetadata.from_json_content('{"exchanges": [1]}'),
            "json_content.exchanges[0]: expected an object, got int",
        ),
        (
            lambda: MigratedMetadata.from_json_content('{"queues": [{"name": 1}]}'),
            "json_content.queues[0].name: expected str, got int",
        ),
        (
            lambda: MigratedMetadata.from_json_content('{"topicConfigTable": [{"name": "t"}]}'),
            "json_content.topicConfigTable[0].topicName: missing",
        ),
        (
            lambda: MigratedMetadata.from_json_content('{"subscriptionGroupTable": [{}]}'),
            "json_content.subscriptionGroupTable[0].groupName: missing",
        ),
        (
            lambda: MigratedMetadata.from_json_content('{"bindings": {}}'),
            "json_content.bindings: expected a list, got dict",
        ),
        (
            lambda: MigratedMetadata.from_json_content('{"bindings": [2]}'),
            "json_content.bindings[0]: expected an object, got int",
        ),
        (
            lambda: MigratedMetadata.from_json_content('{"bindings": [{"source": "s"}]}'),
            "json_content.bindings[0].destination: missing",
        ),
        (
            lambda: MigratedMetadata.from_json_content('{"bindings": [{"destination": "d"}]}'),
            "json_content.bindings[0].source: missing",
        ),
    ],
)
def test_an_answer_outside_the_documented_shape_is_named_word_for_word(parse, message):
    with pytest.raises(InvalidResponse) as caught:
        parse()
    assert str(caught.value) == f"invalid response: {message}"


def test_json_content_that_is_not_json_says_so():
    with pytest.raises(InvalidResponse) as caught:
        MigratedMetadata.from_json_content("{not json")
    assert caught.value.field == "json_content"
    assert caught.value.problem.startswith("not valid JSON: ")


def test_what_a_rabbit_task_migrated_is_read_from_lists_and_tables():
    content = {
        "topicConfigTable": [{"topicName": "t1"}],
        "subscriptionGroupTable": [{"groupName": "g1"}, {"groupName": "g2"}],
        "vhosts": [{"name": "v1"}],
        "exchanges": {"ex1": {}},
        "queues": [{"name": "q1"}],
        "bindings": [{"source": "ex1", "destination": "q1"}],
    }
    assert MigratedMetadata.from_json_content(json.dumps(content)) == MigratedMetadata(
        topics=("t1",),
        consumer_groups=("g1", "g2"),
        vhosts=("v1",),
        exchanges=("ex1",),
        queues=("q1",),
        bindings=("ex1->q1",),
    )
    assert MigratedMetadata.from_json_content("  ") == MigratedMetadata()


def test_a_detail_form_without_json_content_has_no_metadata_and_a_list_form_is_read_as_one():
    detail = TaskDetail.from_json({**TASK_FIELDS, "id": "t"}, "t")
    assert detail is not None and detail.metadata is None and detail.task.name == "n"
    both = TaskDetail.from_json({**SEED, "json_content": "", **TASK_FIELDS}, "t")
    assert both is not None and both.task.id == "t" and both.metadata == MigratedMetadata()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task_type": "kafka"}, "task_type: 'kafka' is not one of rocketmq, rabbitToRocket"),
        ({"status": "done"}, "status: 'done' is not one of creating, starting, failed, finished"),
        ({"name": " "}, "name: must be a non-empty string"),
    ],
)
def test_a_bad_filter_is_refused_word_for_word(kwargs, message):
    with pytest.raises(InvalidRequest) as caught:
        TaskFilter(**kwargs)
    assert str(caught.value) == message


def test_each_filter_narrows_on_its_own_field():
    tasks = (
        MetadataTask("1", "a", "d", "finished", "rocketmq"),
        MetadataTask("2", "a", "d", "failed", "rocketmq"),
        MetadataTask("3", "b", "d", "finished", "rabbitToRocket"),
    )
    assert [t.id for t in TaskFilter(status="finished").select(tasks)] == ["1", "3"]
    assert [t.id for t in TaskFilter(task_type="rocketmq").select(tasks)] == ["1", "2"]
    assert [t.id for t in TaskFilter(name="a", status="failed").select(tasks)] == ["2"]
    assert TaskFilter().select(tasks) == tasks
