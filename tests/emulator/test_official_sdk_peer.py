"""A peer check: the official huaweicloudsdkrocketmq client reads the emulator as we do.

If the official SDK signs, pages and parses against the emulator and sees exactly
the scenario's tasks, the emulator speaks the real wire format (and our signer's
verification accepts the SDK's signatures). ``official_sdk_tasks`` is the SDK side
of the comparison; our own client can be compared against ``scenario_tasks`` the
same way.
"""

from __future__ import annotations

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkrocketmq.v2 import ListRocketMqMigrationTaskRequest, RocketMQClient

from pulumi_rocketmq_migration.emulator import Emulator, Scenario
from pulumi_rocketmq_migration.listing import read_tasks

from .helpers import AK, DEMO, DEMO_INSTANCE, PROJECT, RABBIT_ID, SK

Row = tuple[str, str, str]  # id, status, type


def official_client(emulator: Emulator) -> RocketMQClient:
    config = HttpConfig.get_default_config()
    config.timeout = (5, 10)
    config.retry_times = 0
    return (
        RocketMQClient.new_builder()
        .with_credentials(BasicCredentials(AK, SK, PROJECT))
        .with_endpoints([emulator.base_url])
        .with_http_config(config)
        .build()
    )


def official_sdk_tasks(emulator: Emulator, instance_id: str, page_size: int) -> list[Row]:
    """Every task, page by page (offset is a page number) until a short page."""
    client = official_client(emulator)
    rows: list[Row] = []
    offset = 1
    while True:
        request = ListRocketMqMigrationTaskRequest(
            instance_id=instance_id, offset=offset, limit=page_size
        )
        page = client.list_rocket_mq_migration_task(request).task or []
        rows += [(t.id, t.status, t.type) for t in page]
        if len(page) < page_size:
            return rows
        offset += 1


def scenario_tasks(scenario: Scenario, instance_id: str) -> list[Row]:
    """What the scenario says a first read shows, newest first."""
    tasks = scenario.instances[instance_id].tasks
    return [(t.id, t.status_at(0.0, 0), t.type) for t in tasks[0 : len(tasks)]]


@pytest.mark.parametrize("page_size", [1, 3, 10])
def test_the_official_sdk_lists_what_the_scenario_holds(emulator: Emulator, page_size: int) -> None:
    seen = official_sdk_tasks(emulator, DEMO_INSTANCE.id, page_size)
    assert seen == scenario_tasks(DEMO, DEMO_INSTANCE.id)
    assert {(r.method, r.status) for r in emulator.requests} == {("GET", 200)}
    assert all(r.header("X-Project-Id") == PROJECT for r in emulator.requests)


def test_the_official_sdk_reads_one_task(emulator: Emulator) -> None:
    request = ListRocketMqMigrationTaskRequest(instance_id=DEMO_INSTANCE.id, id=RABBIT_ID)
    response = official_client(emulator).list_rocket_mq_migration_task(request)
    assert response.total == 1
    assert [(t.id, t.name, t.status, t.type) for t in response.task] == [
        (RABBIT_ID, "task-rabbit-orders", "finished", "rabbitToRocket")
    ]


def test_the_official_sdk_understands_the_error_body(emulator: Emulator) -> None:
    request = ListRocketMqMigrationTaskRequest(instance_id="no-such-instance")
    with pytest.raises(ClientRequestException) as caught:
        official_client(emulator).list_rocket_mq_migration_task(request)
    error = caught.value
    assert (error.status_code, error.error_code) == (404, "DMS.00404022")
    assert error.request_id == emulator.requests[-1].request_id


def test_the_official_sdk_and_our_client_see_the_same_tasks() -> None:
    """The peer check: both clients, the same scenario, the same tasks in the same order."""
    from pulumi_rocketmq_migration.client import MigrationClient
    from pulumi_rocketmq_migration.settings import Credentials, Settings

    instance = "peer-instance"
    scene = Scenario.from_dict(
        {
            "instances": [
                {
                    "id": instance,
                    "tasks": [
                        {
                            "id": "peer-1",
                            "name": "peer",
                            "start_date": "2030-01-01 00:00:00.00",
                            "type": "rocketmq",
                            "status": "starting",
                        }
                    ],
                    "generate": {"count": 123, "type": "rabbitToRocket", "status": "finished"},
                }
            ]
        }
    )
    with Emulator(scene, access_key=AK, secret_key=SK, project_id=PROJECT) as emulator:
        official = official_sdk_tasks(emulator, instance, 10)
        settings = Settings(
            endpoint=emulator.base_url,
            project_id=PROJECT,
            credentials=Credentials(access_key=AK, secret_key=SK),
        )
        with MigrationClient(settings) as client:
            ours = [(t.id, t.status, t.type) for t in read_tasks(client, instance)]
    assert len(ours) == 124
    assert ours == official


def test_the_official_sdk_federated_without_a_project_id_sees_the_same_tasks(tmp_path) -> None:
    """The SDK's own keyless flow: id token file -> unscoped token -> temporary keys ->
    the project id from the region -> DMS, all against the emulator; our chain too."""
    from huaweicloudsdkcore.region.region import Region

    from pulumi_rocketmq_migration.client import MigrationClient
    from pulumi_rocketmq_migration.settings import resolve

    body = {
        "instances": [{"id": "peer-instance", "generate": {"count": 23}}],
        "iam": {
            "identity_providers": [{"id": "peer-idp", "id_tokens": ["peer-id-token"]}],
            "projects": [{"id": PROJECT, "region": "cn-north-4"}],
        },
    }
    token_file = tmp_path / "id-token"
    token_file.write_text("peer-id-token\n")
    with Emulator(
        Scenario.from_dict(body), access_key=AK, secret_key=SK, project_id=PROJECT
    ) as emu:
        config = HttpConfig.get_default_config()
        config.timeout = (5, 10)
        config.retry_times = 0
        credentials = (
            BasicCredentials()
            .with_idp_id("peer-idp")
            .with_id_token_file(str(token_file))
            .with_iam_endpoint(emu.base_url)
        )
        client = (
            RocketMQClient.new_builder()
            .with_credentials(credentials)
            .with_region(Region("cn-north-4", emu.base_url))
            .with_http_config(config)
            .build()
        )
        request = ListRocketMqMigrationTaskRequest(instance_id="peer-instance", limit=50)
        official = [
            (t.id, t.status, t.type) for t in client.list_rocket_mq_migration_task(request).task
        ]
        sdk_requests = emu.requests
        emu.clear_requests()
        settings = resolve(
            explicit={"endpoint": emu.base_url, "region": "cn-north-4"},
            environ={
                "HUAWEICLOUD_SDK_IDP_ID": "peer-idp",
                "HUAWEICLOUD_SDK_ID_TOKEN_FILE": str(token_file),
                "HUAWEICLOUD_SDK_IAM_ENDPOINT": emu.base_url,
                "HW_METADATA_ENDPOINT": "off",
            },
        )
        with MigrationClient(settings) as ours_client:
            ours = [(t.id, t.status, t.type) for t in read_tasks(ours_client, "peer-instance")]
        our_requests = emu.requests
    assert len(official) == 23 and ours == official
    assert settings.project_id == PROJECT
    for seen in (sdk_requests, our_requests):
        assert [(r.method, r.path) for r in seen if r.method != "GET"] == [
            ("POST", "/v3.0/OS-AUTH/id-token/tokens"),
            ("POST", "/v3.0/OS-CREDENTIAL/securitytokens"),
        ]
        assert ("GET", "/v3/projects", 200) in [(r.method, r.path, r.status) for r in seen]
        dms = [r for r in seen if r.path.startswith("/v2/")]
        assert dms and {(r.status, r.principal) for r in dms} == {(200, "federated peer-idp")}
