"""The endpoint's answers over real HTTP: list and detail forms, paging, parameter errors."""

from __future__ import annotations

import json
import uuid

import pytest

from pulumi_rocketmq_migration.emulator import DEFAULT_LIMIT, MAX_LIMIT
from pulumi_rocketmq_migration.models import MigratedMetadata, TaskDetail, TaskPage

from .helpers import (
    DEMO_INSTANCE,
    FAILED_ID,
    LIVE_ID,
    RABBIT_ID,
    ROCKET_ID,
    Client,
    generated,
    serve,
)


def test_lists_the_demo_tasks_newest_first(client: Client) -> None:
    page = TaskPage.from_json(client.get().json())
    assert page.total == 4
    assert [t.id for t in page.tasks] == [LIVE_ID, ROCKET_ID, RABBIT_ID, FAILED_ID]
    dates = [t.start_date for t in page.tasks]
    assert dates == sorted(dates, reverse=True)


def test_every_answer_has_a_uuid_request_id(client: Client) -> None:
    for query in ([], [("limit", "0")], [("id", "nope")]):
        response = client.get(query=query)
        uuid.UUID(response.headers["X-Request-Id"])
    assert client.get(sign=False).json()["request_id"] == client.emulator.requests[-1].request_id


def test_pages_are_page_numbers_from_one() -> None:
    with serve(generated(25)) as emu:
        client = Client(emu)
        pages = [
            TaskPage.from_json(client.get("gen", [("offset", str(n)), ("limit", "10")]).json())
            for n in (1, 2, 3)
        ]
        assert [p.total for p in pages] == [25, 25, 25]
        assert [len(p.tasks) for p in pages] == [10, 10, 5]
        ids = [t.id for p in pages for t in p.tasks]
        assert len(set(ids)) == 25
        assert [t.name for t in pages[0].tasks][:2] == ["task-24", "task-23"]
        assert pages[2].tasks[-1].name == "task-0"
        # Page 2 of size 7 starts at item 7: offset counts pages, not items.
        seven = TaskPage.from_json(client.get("gen", [("offset", "2"), ("limit", "7")]).json())
        assert [t.id for t in seven.tasks] == ids[7:14]


def test_a_page_past_the_end_is_empty_with_the_true_total() -> None:
    with serve(generated(25)) as emu:
        body = Client(emu).get("gen", [("offset", "4"), ("limit", "10")]).json()
        assert body == {"total": 25, "task": []}
        body = Client(emu).get("gen", [("offset", "999999"), ("limit", "50")]).json()
        assert body == {"total": 25, "task": []}


def test_defaults_are_page_one_of_ten() -> None:
    with serve(generated(25)) as emu:
        client = Client(emu)
        default = client.get("gen").json()
        explicit = client.get("gen", [("offset", "1"), ("limit", str(DEFAULT_LIMIT))]).json()
        assert default == explicit
        assert len(default["task"]) == DEFAULT_LIMIT == 10


def test_the_maximum_limit_is_fifty() -> None:
    with serve(generated(60)) as emu:
        client = Client(emu)
        assert len(client.get("gen", [("limit", str(MAX_LIMIT))]).json()["task"]) == 50
        refused = client.get("gen", [("limit", "51")])
        assert refused.status_code == 400
        assert "limit" in refused.json()["error_msg"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ([("type", "topic"), ("id", RABBIT_ID)], "type"),
        ([("offset", "0")], "offset"),
        ([("offset", "-1")], "offset"),
        ([("offset", "x")], "offset"),
        ([("offset", "1.5")], "offset"),
        ([("offset", "")], "offset"),
        ([("limit", "0")], "limit"),
        ([("limit", "ten")], "limit"),
        ([("limit", "51")], "limit"),
        ([("type", "vhost")], "id"),
        ([("name", "orders")], "id"),
        ([("id", RABBIT_ID), ("type", "exchange")], "name"),
        ([("id", RABBIT_ID), ("type", "queue")], "name"),
        ([("id", RABBIT_ID), ("type", "queue"), ("name", "orders")], "name"),
    ],
)
def test_an_invalid_parameter_is_a_400_naming_it(
    client: Client, query: list[tuple[str, str]], named: str
) -> None:
    response = client.get(query=query)
    assert response.status_code == 400
    body = response.json()
    assert body["error_code"] == "DMS.00400000"
    assert named in body["error_msg"]


def test_an_id_gives_the_list_form_with_that_task_only(client: Client) -> None:
    body = client.get(query=[("id", ROCKET_ID), ("offset", "9")]).json()
    assert body["total"] == 1
    assert [t["id"] for t in body["task"]] == [ROCKET_ID]
    detail = TaskDetail.from_json(body, ROCKET_ID)
    assert detail is not None and detail.metadata is None


def _detail(client: Client, task_id: str, kind: str, name: str | None = None) -> dict[str, object]:
    query = [("id", task_id), ("type", kind)] + ([("name", name)] if name is not None else [])
    response = client.get(query=query)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    assert set(body) == {"id", "name", "start_date", "status", "type", "json_content"}
    return body


def test_detail_vhost_gives_the_vhosts(client: Client) -> None:
    body = _detail(client, RABBIT_ID, "vhost")
    assert json.loads(str(body["json_content"])) == {"vhosts": [{"name": "/"}, {"name": "orders"}]}
    meta = MigratedMetadata.from_json_content(body["json_content"])
    assert meta.vhosts == ("/", "orders")


def test_detail_exchange_gives_the_exchanges_of_one_vhost(client: Client) -> None:
    body = _detail(client, RABBIT_ID, "exchange", "orders")
    content = json.loads(str(body["json_content"]))
    assert [e["name"] for e in content["exchanges"]] == ["orders.direct", "orders.fanout"]
    assert all(e["vhost"] == "orders" for e in content["exchanges"])
    assert _detail(client, RABBIT_ID, "exchange", "nope")["json_content"] == '{"exchanges":[]}'


def test_detail_queue_gives_the_queues_bound_to_one_exchange(client: Client) -> None:
    body = _detail(client, RABBIT_ID, "queue", "orders-orders.direct")
    meta = MigratedMetadata.from_json_content(body["json_content"])
    assert meta.queues == ("orders.created", "orders.paid")
    assert meta.bindings == ("orders.direct->orders.created", "orders.direct->orders.paid")
    root = MigratedMetadata.from_json_content(
        _detail(client, RABBIT_ID, "queue", "/-events")["json_content"]
    )
    assert root.queues == ("events.all",)


def test_detail_all_gives_everything(client: Client) -> None:
    rabbit = TaskDetail.from_json(_detail(client, RABBIT_ID, "all"), RABBIT_ID)
    assert rabbit is not None and rabbit.metadata is not None
    assert rabbit.task.id == RABBIT_ID
    assert rabbit.metadata.counts == {
        "topics": 0,
        "consumer_groups": 0,
        "vhosts": 2,
        "exchanges": 3,
        "queues": 4,
        "bindings": 4,
    }
    rocket = TaskDetail.from_json(_detail(client, ROCKET_ID, "all"), ROCKET_ID)
    assert rocket is not None and rocket.metadata is not None
    assert rocket.metadata.topics == ("topic-orders", "topic-payments")
    assert rocket.metadata.consumer_groups == ("group-billing", "group-audit")
    content = json.loads(str(_detail(client, ROCKET_ID, "all")["json_content"]))
    assert content["topicConfigTable"]["topic-orders"]["readQueueNums"] == 8
    assert content["subscriptionGroupTable"]["group-audit"]["consumeEnable"] is True


def test_an_unknown_task_is_a_400_dms_00405011(client: Client) -> None:
    for query in ([("id", "no-such-task")], [("id", "no-such-task"), ("type", "all")]):
        response = client.get(query=query)
        assert response.status_code == 400
        assert response.json()["error_code"] == "DMS.00405011"
        assert "no-such-task" in response.json()["error_msg"]


def test_an_unknown_instance_is_a_404(client: Client) -> None:
    response = client.get("no-such-instance")
    assert response.status_code == 404
    assert response.json()["error_code"] == "DMS.00404022"
    assert "no-such-instance" in response.json()["error_msg"]


def test_an_unknown_path_is_a_404_from_the_gateway(client: Client) -> None:
    response = client.request("GET", f"/v2/x/instances/{DEMO_INSTANCE.id}/topics")
    assert response.status_code == 404
    assert response.json()["error_code"] == "APIGW.0101"


def test_a_repeated_parameter_takes_its_last_value(client: Client) -> None:
    body = client.get(query=[("limit", "1"), ("limit", "2")]).json()
    assert len(body["task"]) == 2
