"""The provider plugin started as the engine starts it, and called with the engine's requests.

A subprocess that prints its port, then gRPC over loopback: GetSchema, Configure with
secrets, Invoke in preview and in update, Check with unknowns and bad types, a gate's
Create, Diff and Read. A small Engine service stands in for the engine's log, so the
progress lines and warnings the plugin sends can be read back.

Each call is also made to the same server started inside the test process, so that
mutation testing, which sees only this process, knows which tests reach the plugin.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import engine_pb2_grpc, provider_pb2, provider_pb2_grpc

from pulumi_rocketmq_migration import engine_log
from pulumi_rocketmq_migration import plugin as plugin_module
from pulumi_rocketmq_migration._version import __version__
from pulumi_rocketmq_migration.package_schema import schema
from pulumi_rocketmq_migration.wire import SECRET_SIGNATURE, SIGNATURE, UNKNOWN_VALUE
from tests.conftest import (
    ACCESS_KEY,
    CLOSED_METADATA,
    INSTANCE_ID,
    PROJECT_ID,
    SECRET_KEY,
    scenario,
    task,
)

GET_TASK = "rocketmq-migration:index:getMigrationTask"
GET_TASKS = "rocketmq-migration:index:getMigrationTasks"
GATE = "rocketmq-migration:index:MigrationTask"
GATE_URN = f"urn:pulumi:dev::demo::{GATE}::orders-gate"


class Engine(engine_pb2_grpc.EngineServicer):
    """Keeps what the plugin logs."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str, str]] = []

    def Log(self, request: Any, context: Any) -> Any:
        self.lines.append((request.severity, request.urn, request.message))
        return empty_pb2.Empty()


@pytest.fixture
def engine() -> Iterator[tuple[Engine, int]]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    service = Engine()
    engine_pb2_grpc.add_EngineServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield service, port
    server.stop(0)


def start_plugin(engine_port: int) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HW_", "HUAWEICLOUD_"))}
    env["HW_METADATA_ENDPOINT"] = CLOSED_METADATA
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi_rocketmq_migration.plugin", f"127.0.0.1:{engine_port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    return process, process.stdout.readline()


@pytest.fixture(params=["process", "in-process"])
def plugin(request, engine, monkeypatch) -> Iterator[Any]:
    if request.param == "process":
        process, first = start_plugin(engine[1])
        assert first.strip().isdigit(), f"the first line is the port, not {first!r}"
        port = int(first)
    else:
        for name in [n for n in os.environ if n.startswith(("HW_", "HUAWEICLOUD_"))]:
            monkeypatch.delenv(name)
        monkeypatch.setenv("HW_METADATA_ENDPOINT", CLOSED_METADATA)
        monkeypatch.setattr(
            sys, "argv", ["pulumi-resource-rocketmq-migration", f"127.0.0.1:{engine[1]}"]
        )
        monkeypatch.setattr(engine_log, "_STUB", [])
        server, port = plugin_module.serve()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield provider_pb2_grpc.ResourceProviderStub(channel)
    channel.close()
    if request.param == "process":
        process.terminate()
        _, stderr = process.communicate(timeout=10)
        assert SECRET_KEY not in stderr
    else:
        server.stop(0)


def struct(**values: Any) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def plain(message: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(message)


def configure(plugin: Any, emulator: Any, **extra: Any) -> None:
    args = struct(
        dmsEndpoint=emulator.base_url,
        projectId=PROJECT_ID,
        accessKey=ACCESS_KEY,
        secretKey={SIGNATURE: SECRET_SIGNATURE, "value": SECRET_KEY},
        **extra,
    )
    answer = plugin.Configure(provider_pb2.ConfigureRequest(args=args, acceptSecrets=True))
    assert answer.acceptSecrets and answer.supportsPreview


def invoke(plugin: Any, token: str, preview: bool = False, **args: Any) -> Any:
    return plugin.Invoke(
        provider_pb2.InvokeRequest(tok=token, args=struct(**args), preview=preview)
    )


def test_it_serves_its_version_and_the_schema(plugin):
    assert plugin.GetPluginInfo(empty_pb2.Empty()).version == __version__
    served = json.loads(plugin.GetSchema(provider_pb2.GetSchemaRequest()).schema)
    assert served == {**schema(), "version": __version__}


def test_an_invoke_reads_with_the_configured_keys_in_camel_case(plugin, serve, engine):
    emulator = serve(scenario([task("t1", "orders", metadata={"queues": [{"name": "q1"}]})]))
    configure(plugin, emulator)
    answer = invoke(plugin, GET_TASK, instanceId=INSTANCE_ID, taskId="t1", metadata="names")
    outputs = plain(getattr(answer, "return"))
    assert (outputs["taskId"], outputs["status"], outputs["finished"]) == ("t1", "finished", True)
    assert outputs["queues"] == ["q1"] and outputs["metadataCounts"]["consumerGroups"] == 0
    listing = plain(getattr(invoke(plugin, GET_TASKS, instanceId=INSTANCE_ID), "return"))
    assert listing["tasks"][0]["startDate"] == "2024-05-20 10:15:42.31"
    assert listing["statusCounts"]["finished"] == 1
    assert {r.method for r in emulator.requests} == {"GET"}


def test_an_invoke_waits_in_an_update_only(plugin, serve, engine):
    timeline = [{"status": "starting"}, {"status": "finished", "after_reads": 3}]
    emulator = serve(scenario([task("t1", "orders", timeline=timeline)]))
    configure(plugin, emulator)
    waiting = {"instanceId": INSTANCE_ID, "taskId": "t1", "waitFor": ["finished"]}
    preview = invoke(plugin, GET_TASK, preview=True, pollInterval="1s", **waiting)
    assert plain(getattr(preview, "return"))["status"] == "starting"
    assert any("will wait for finished" in line[2] for line in engine[0].lines)
    update = invoke(plugin, GET_TASK, pollInterval="1s", **waiting)
    assert plain(getattr(update, "return"))["status"] == "finished"


@pytest.mark.parametrize(
    ("args", "prop", "reason"),
    [
        ({"instanceId": 7}, "instanceId", "must be a string, got 7"),
        (
            {"instanceId": INSTANCE_ID, "taskId": "t1", "colour": "red"},
            "colour",
            "unknown property",
        ),
        ({"taskId": "t1"}, "instanceId", "required"),
        ({"instanceId": INSTANCE_ID, "taskId": "t1", "waitFor": ["done"]}, "waitFor", "'done'"),
        (
            {"instanceId": INSTANCE_ID, "taskId": "t1", "waitFor": ["finished"], "timeout": "soon"},
            "timeout",
            "soon",
        ),
        (
            {"instanceId": INSTANCE_ID, "taskId": "t1", "name": "orders"},
            "taskId",
            "taskId and name",
        ),
        (
            {"instanceId": INSTANCE_ID, "taskId": "t1", "failOn": ["failed"]},
            "failOn",
            "needs waitFor",
        ),
    ],
)
def test_bad_arguments_are_failures_naming_the_property(plugin, serve, args, prop, reason):
    emulator = serve(scenario([task("t1", "orders")]))
    configure(plugin, emulator)
    failures = invoke(plugin, GET_TASK, **args).failures
    assert [f.property for f in failures] == [prop]
    assert reason in failures[0].reason
    assert not emulator.requests, "nothing is sent for bad input"


def test_a_failed_task_or_an_unknown_token_is_one_clean_grpc_error(plugin, serve):
    emulator = serve(scenario([task("t1", "orders", status="failed")]))
    configure(plugin, emulator)
    with pytest.raises(grpc.RpcError) as caught:
        invoke(plugin, GET_TASK, instanceId=INSTANCE_ID, taskId="t1", waitFor=["finished"])
    assert caught.value.details() == "migration task 'orders' (t1) is failed"
    with pytest.raises(grpc.RpcError) as caught:
        invoke(plugin, "rocketmq-migration:index:getTopics", instanceId=INSTANCE_ID)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "getTopics" in caught.value.details() and GET_TASK in caught.value.details()


def test_a_gate_with_unknown_inputs_checks_and_previews_as_unknown(plugin, serve):
    emulator = serve(scenario([task("t1", "orders")]))
    configure(plugin, emulator)
    news = struct(instanceId=UNKNOWN_VALUE, taskId="t1", waitFor=["finished"])
    checked = plugin.Check(provider_pb2.CheckRequest(urn=GATE_URN, type=GATE, news=news))
    assert not checked.failures
    created = plugin.Create(
        provider_pb2.CreateRequest(urn=GATE_URN, type=GATE, properties=news, preview=True)
    )
    outputs = plain(created.properties)
    assert outputs["status"] == UNKNOWN_VALUE and outputs["taskId"] == "t1"
    assert not emulator.requests, "nothing to read while the instance is unknown"


def test_a_gate_reads_live_in_diff_and_refresh_fails_when_it_cannot(plugin, serve):
    timeline = [{"status": "starting"}, {"status": "finished", "after_reads": 2}]
    emulator = serve(scenario([task("t1", "orders", timeline=timeline)]))
    configure(plugin, emulator)
    inputs = struct(instanceId=INSTANCE_ID, taskId="t1")
    created = plugin.Create(provider_pb2.CreateRequest(urn=GATE_URN, type=GATE, properties=inputs))
    assert created.id == f"{INSTANCE_ID}/t1"
    assert plain(created.properties)["status"] == "starting"

    def diff() -> Any:
        return plugin.Diff(
            provider_pb2.DiffRequest(
                urn=GATE_URN,
                type=GATE,
                id=created.id,
                olds=created.properties,
                news=inputs,
                old_inputs=inputs,
            )
        )

    assert diff().changes == provider_pb2.DiffResponse.DIFF_NONE  # still starting
    changed = diff()  # finished now
    assert changed.changes == provider_pb2.DiffResponse.DIFF_SOME and "status" in changed.diffs
    emulator.stop()
    with pytest.raises(grpc.RpcError) as caught:
        plugin.Read(
            provider_pb2.ReadRequest(
                urn=GATE_URN, type=GATE, id=created.id, properties=created.properties, inputs=inputs
            ),
            timeout=60,
        )
    assert "no answer" in caught.value.details() or "connect" in caught.value.details().lower()


def test_it_prints_nothing_before_its_port_and_ends_with_the_engine(engine, tmp_path):
    """The engine starts the plugin; when the engine is killed, the plugin goes too."""
    pid_file = tmp_path / "pid"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time;"
            "p = subprocess.Popen([sys.executable, '-m', 'pulumi_rocketmq_migration.plugin',"
            f" '127.0.0.1:{engine[1]}'], stdout=subprocess.PIPE, text=True);"
            "port = p.stdout.readline();"
            f"open({str(pid_file)!r}, 'w').write(f'{{p.pid}} {{port}}');"
            "time.sleep(600)",
        ]
    )
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text().strip().count(" ") == 1):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pid, port = pid_file.read_text().split()
    assert port.isdigit()
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(int(pid)):
        assert time.monotonic() < deadline, "the plugin outlived the engine"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purpose: it serves nothing
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False


def test_config_is_checked_against_the_schema_text_as_stack_config_holds_it(plugin):
    def failures(**news: Any) -> list[tuple[str, str]]:
        answer = plugin.CheckConfig(provider_pb2.CheckRequest(news=struct(**news)))
        return [(f.property, f.reason) for f in answer.failures]

    assert failures(maxRetries="2", insecure="false", region="cn-north-4", version="0.2.0") == []
    assert failures(maxRetries=2, insecure=False) == []
    assert sorted(failures(insecure=1.5, region=["cn-north-4"])) == [
        ("insecure", "must be a boolean, got 1.5"),
        ("region", "must be a string, got ['cn-north-4']"),
    ]
