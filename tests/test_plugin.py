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
import threading
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
GATES = "rocketmq-migration:index:MigrationTasks"
GATES_URN = f"urn:pulumi:dev::demo::{GATES}::all-gate"
DIFF_NONE, DIFF_SOME = provider_pb2.DiffResponse.DIFF_NONE, provider_pb2.DiffResponse.DIFF_SOME


class Engine(engine_pb2_grpc.EngineServicer):
    """Keeps what the plugin logs; with a barrier, each line waits until that many are in."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str, str]] = []
        self.barrier: threading.Barrier | None = None

    def Log(self, request: Any, context: Any) -> Any:
        if self.barrier is not None:
            self.barrier.wait()  # a broken barrier fails the call, and so the test
        self.lines.append((request.severity, request.urn, request.message))
        return empty_pb2.Empty()

    def said(self, words: str) -> list[str]:
        """The URNs of the lines that say ``words``."""
        return [urn for _, urn, message in self.lines if words in message]


@pytest.fixture
def engine() -> Iterator[tuple[Engine, int]]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=64))
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
    assert engine[0].said("will wait for finished") == [""], "an invoke's lines are on no resource"
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
    assert created.id == "", "no id while the instance is unknown"
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
    news = struct(region="cn-north-4", colour="red")  # not a config key: not checked here
    assert plugin.CheckConfig(provider_pb2.CheckRequest(news=news)).inputs == news
    assert failures(maxRetries=2, insecure=False) == []
    assert sorted(failures(insecure=1.5, region=["cn-north-4"])) == [
        ("insecure", "must be a boolean, got 1.5"),
        ("region", "must be a string, got ['cn-north-4']"),
    ]


# -- what the engine sees of every call ------------------------------------------

OTHER = "rocketmq-migration:index:Topic"
# Each gate call's request, from its URN, its type token ("" as an older engine sends
# it) and one set of properties standing for the inputs and the state alike.
GATE_CALLS = {
    "Check": lambda urn, kind, props: provider_pb2.CheckRequest(urn=urn, type=kind, news=props),
    "Diff": lambda urn, kind, props: provider_pb2.DiffRequest(
        urn=urn, type=kind, id="gate", olds=props, news=props, old_inputs=props
    ),
    "Create": lambda urn, kind, props: provider_pb2.CreateRequest(
        urn=urn, type=kind, properties=props
    ),
    "Update": lambda urn, kind, props: provider_pb2.UpdateRequest(
        urn=urn, type=kind, id="gate", olds=props, news=props, old_inputs=props
    ),
    "Read": lambda urn, kind, props: provider_pb2.ReadRequest(
        urn=urn, type=kind, id="gate", properties=props, inputs=props
    ),
}


def secret(value: Any) -> dict[str, Any]:
    return {SIGNATURE: SECRET_SIGNATURE, "value": value}


def error_of(call: Any, request: Any) -> Any:
    """The gRPC error a call ends with."""
    with pytest.raises(grpc.RpcError) as caught:
        call(request)
    return caught.value


def create(plugin: Any, preview: bool = False, kind: str = GATE, **inputs: Any) -> Any:
    urn = GATE_URN if kind == GATE else GATES_URN
    request = provider_pb2.CreateRequest(
        urn=urn, type=kind, properties=struct(**inputs), preview=preview
    )
    return plugin.Create(request)


def test_an_unconfigured_plugin_looks_for_credentials_in_the_environment_only(plugin, serve):
    emulator = serve(scenario([task("t1", "orders")]))
    args = struct(
        instanceId=INSTANCE_ID, taskId="t1", endpoint=emulator.base_url, projectId=PROJECT_ID
    )
    error = error_of(plugin.Invoke, provider_pb2.InvokeRequest(tok=GET_TASK, args=args))
    assert error.code() == grpc.StatusCode.UNKNOWN
    assert error.details().startswith("credentials: no access key/secret key or IAM token found")
    assert not emulator.requests


def test_configure_takes_the_variables_when_no_inputs_come(plugin, serve):
    emulator = serve(scenario([task("t1", "orders")]))
    given = {
        "dmsEndpoint": emulator.base_url,
        "projectId": PROJECT_ID,
        "accessKey": ACCESS_KEY,
        "secretKey": SECRET_KEY,
    }
    variables = {f"rocketmq-migration:{key}": value for key, value in given.items()}
    answer = plugin.Configure(provider_pb2.ConfigureRequest(variables=variables))
    assert (answer.acceptSecrets, answer.supportsPreview, answer.acceptResources) == (
        True,
        True,
        False,
    )
    outputs = plain(
        getattr(invoke(plugin, GET_TASK, instanceId=INSTANCE_ID, taskId="t1"), "return")
    )
    assert outputs["name"] == "orders"


def test_booleans_and_objects_reach_the_core_as_stack_config_text(plugin, serve, engine):
    emulator = serve(scenario([task("t1", "orders")]))
    off = "TLS verification is off"
    configure(plugin, emulator, insecure=False)
    invoke(plugin, GET_TASK, instanceId=INSTANCE_ID, taskId="t1")
    assert engine[0].said(off) == []
    configure(plugin, emulator, insecure=True)
    invoke(plugin, GET_TASK, instanceId=INSTANCE_ID, taskId="t1")
    assert engine[0].said(off) == [""]
    # An agency without its domain is refused before any call to IAM (which is closed).
    configure(plugin, emulator, assumeRole={"agencyName": "reader"}, authUrl="http://127.0.0.1:1")
    args = struct(instanceId=INSTANCE_ID, taskId="t1")
    error = error_of(plugin.Invoke, provider_pb2.InvokeRequest(tok=GET_TASK, args=args))
    assert error.details() == (
        "assumeRole: stack config rocketmq-migration:assumeRole lacks domainName or domainId;"
        " an agency is named by both"
    )


def test_a_config_change_is_a_diff_naming_its_keys(plugin):
    olds = struct(region="cn-north-4", maxRetries="2")

    def diff(**news: Any) -> Any:
        return plugin.DiffConfig(provider_pb2.DiffRequest(olds=olds, news=struct(**news)))

    same = diff(region="cn-north-4", maxRetries="2")
    assert (same.changes, list(same.diffs)) == (DIFF_NONE, [])
    changed = diff(region="cn-south-1", profile="ops")  # maxRetries dropped, profile added
    assert (changed.changes, list(changed.diffs)) == (
        DIFF_SOME,
        ["maxRetries", "profile", "region"],
    )


def test_a_gate_check_names_each_refused_property(plugin):
    def check(news: struct_pb2.Struct) -> Any:
        return plugin.Check(provider_pb2.CheckRequest(urn=GATE_URN, type=GATE, news=news))

    good = struct(instanceId=INSTANCE_ID, taskId="t1", waitFor=["finished"])
    accepted = check(good)
    assert (accepted.inputs, list(accepted.failures)) == (good, [])
    schema_says = check(struct(instanceId=7, taskId=5))
    assert {(f.property, f.reason) for f in schema_says.failures} == {
        ("instanceId", "must be a string, got 7"),
        ("taskId", "must be a string, got 5"),
    }
    core_says = check(struct(instanceId=INSTANCE_ID, taskId="t1", name="orders"))
    assert [(f.property, f.reason) for f in core_says.failures] == [
        ("taskId", "give exactly one of taskId and name")
    ]


@pytest.mark.parametrize("method", list(GATE_CALLS))
@pytest.mark.parametrize(
    ("urn", "kind", "token"),
    [
        (f"urn:pulumi:dev::demo::{OTHER}::topics", OTHER, OTHER),
        (f"urn:pulumi:dev::demo::{OTHER}::topics", "", OTHER),
        (f"urn:pulumi:dev::demo::{GATE}", "", ""),  # no name: not a resource's URN
    ],
)
def test_a_resource_of_another_type_is_refused_naming_the_two_gates(
    plugin, method, urn, kind, token
):
    request = GATE_CALLS[method](urn, kind, struct(instanceId=INSTANCE_ID, taskId="t1"))
    error = error_of(getattr(plugin, method), request)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == f"{token!r} is not part of rocketmq-migration; it has {GATE}, {GATES}"


@pytest.mark.parametrize(
    "urn",
    [
        GATE_URN,
        f"urn:pulumi:dev::demo::acme:index:Stage${GATE}::orders-gate",  # a component's child
        f"urn:pulumi:dev::demo::acme:index:Plan$acme:index:Stage${GATE}::orders-gate",
    ],
)
def test_without_a_type_the_gate_is_the_last_type_of_its_urn(plugin, serve, urn):
    emulator = serve(scenario([task("t1", "orders")]))
    configure(plugin, emulator)
    inputs = struct(instanceId=INSTANCE_ID, taskId="t1")
    answers = {
        method: getattr(plugin, method)(GATE_CALLS[method](urn, "", inputs))
        for method in GATE_CALLS
    }
    assert answers["Check"].inputs == inputs
    assert answers["Create"].id == f"{INSTANCE_ID}/t1"
    assert answers["Diff"].changes == DIFF_SOME  # the state held inputs only: status is new
    assert plain(answers["Update"].properties)["status"] == "finished"
    assert plain(answers["Read"].properties)["status"] == "finished"


def test_gate_ids_name_the_task_or_the_selection(plugin, serve):
    emulator = serve(scenario([task("t1", "orders")]))
    configure(plugin, emulator)
    assert create(plugin, instanceId=INSTANCE_ID, taskId="t1").id == f"{INSTANCE_ID}/t1"
    assert create(plugin, True, instanceId=INSTANCE_ID, taskId=UNKNOWN_VALUE).id == ""
    assert create(plugin, kind=GATES, instanceId=INSTANCE_ID).id == f"{INSTANCE_ID}/tasks"
    selection = {"taskType": "rabbitToRocket", "name": "orders", "status": "finished"}
    assert create(plugin, kind=GATES, instanceId=INSTANCE_ID, **selection).id == (
        f"{INSTANCE_ID}/tasks?type=rabbitToRocket,name=orders,status=finished"
    )
    assert create(plugin, True, GATES, instanceId=UNKNOWN_VALUE, name="orders").id == ""
    # A preview with an unknown filter: unknown, never the placeholder in the id.
    assert create(plugin, True, GATES, instanceId=INSTANCE_ID, name=UNKNOWN_VALUE).id == ""
    # Known filters in a preview: only those the program gave, not the output slots.
    assert create(plugin, True, GATES, instanceId=INSTANCE_ID, name="orders").id == (
        f"{INSTANCE_ID}/tasks?name=orders"
    )


def test_secret_inputs_stay_secret_in_every_answer(plugin, serve):
    emulator = serve(scenario([task("t1", "orders")]))
    configure(plugin, emulator)
    inputs = struct(instanceId=INSTANCE_ID, taskId=secret("t1"))
    created = plugin.Create(provider_pb2.CreateRequest(urn=GATE_URN, type=GATE, properties=inputs))
    assert plain(created.properties)["taskId"] == secret("t1")
    assert plain(created.properties)["instanceId"] == INSTANCE_ID
    state = {"urn": GATE_URN, "type": GATE, "id": created.id}
    updated = plugin.Update(
        provider_pb2.UpdateRequest(**state, olds=created.properties, news=inputs, old_inputs=inputs)
    )
    assert plain(updated.properties)["taskId"] == secret("t1")
    read = plugin.Read(
        provider_pb2.ReadRequest(**state, properties=created.properties, inputs=inputs)
    )
    assert read.id == created.id
    assert plain(read.properties)["taskId"] == secret("t1")
    assert plain(read.inputs) == {"instanceId": INSTANCE_ID, "taskId": secret("t1")}


def test_an_update_waits_and_every_preview_says_it_will(plugin, serve, engine):
    timeline = [{"status": "starting"}, {"status": "finished", "after_reads": 6}]
    emulator = serve(scenario([task("t1", "orders", timeline=timeline)]))
    configure(plugin, emulator)
    inputs = struct(instanceId=INSTANCE_ID, taskId="t1", waitFor=["finished"], pollInterval="1s")
    planned = plugin.Create(
        provider_pb2.CreateRequest(urn=GATE_URN, type=GATE, properties=inputs, preview=True)
    )
    assert plain(planned.properties)["status"] == "starting"  # read 1
    state = {"urn": GATE_URN, "type": GATE, "id": planned.id}
    diff = plugin.Diff(provider_pb2.DiffRequest(**state, olds=planned.properties, news=inputs))
    assert diff.changes == DIFF_NONE  # read 2: still starting, and a diff never waits

    def update(preview: bool) -> dict[str, Any]:
        request = provider_pb2.UpdateRequest(
            **state, olds=planned.properties, news=inputs, preview=preview
        )
        return plain(plugin.Update(request).properties)

    assert update(preview=True)["status"] == "starting"  # read 3
    refreshed = plugin.Read(
        provider_pb2.ReadRequest(**state, properties=planned.properties, inputs=inputs)
    )
    assert plain(refreshed.properties)["status"] == "starting"  # read 4: a refresh never waits
    assert engine[0].said("will wait for finished") == [GATE_URN] * 4
    updated = update(preview=False)  # read 5 starting, a second's wait, read 6 finished
    assert (updated["status"], updated["waitFor"], updated["pollInterval"]) == (
        "finished",
        ["finished"],
        "1s",
    )


@pytest.mark.parametrize("method", ["Create", "Update"])
def test_a_gate_on_a_failed_task_fails_its_update_in_one_line(plugin, serve, method):
    emulator = serve(scenario([task("t1", "orders", status="failed")]))
    configure(plugin, emulator)
    inputs = struct(instanceId=INSTANCE_ID, taskId="t1", waitFor=["finished"])
    error = error_of(getattr(plugin, method), GATE_CALLS[method](GATE_URN, GATE, inputs))
    assert (error.code(), error.details()) == (
        grpc.StatusCode.UNKNOWN,
        "migration task 'orders' (t1) is failed",
    )


@pytest.mark.parametrize("method", ["Create", "Update"])
@pytest.mark.parametrize(
    ("inputs", "shown"),
    [
        (
            {"instanceId": 7, "taskId": 5},
            {"instanceId: must be a string, got 7", "taskId: must be a string, got 5"},
        ),
        (
            {"instanceId": INSTANCE_ID, "taskId": "t1", "name": "orders"},
            {"taskId: give exactly one of taskId and name"},
        ),
    ],
)
def test_a_gate_refuses_what_check_refuses_before_reading(plugin, serve, method, inputs, shown):
    emulator = serve(scenario([task("t1", "orders")]))
    configure(plugin, emulator)
    error = error_of(getattr(plugin, method), GATE_CALLS[method](GATE_URN, GATE, struct(**inputs)))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(error.details().split("; ")) == shown
    assert not emulator.requests


def test_a_diff_reads_only_when_the_inputs_are_the_same(plugin, serve):
    emulator = serve(scenario([task("t1", "orders")]))
    configure(plugin, emulator)
    given = struct(instanceId=INSTANCE_ID, taskId="t1", metadata="names")
    created = plugin.Create(provider_pb2.CreateRequest(urn=GATE_URN, type=GATE, properties=given))
    state = {"urn": GATE_URN, "type": GATE, "id": created.id, "olds": created.properties}
    reads = len(emulator.requests)
    dropped = plugin.Diff(
        provider_pb2.DiffRequest(
            **state, news=struct(instanceId=INSTANCE_ID, taskId="t1"), old_inputs=given
        )
    )
    assert (dropped.changes, list(dropped.diffs)) == (DIFF_SOME, ["metadata"])
    assert len(emulator.requests) == reads, "a change of inputs needs no read"
    # An engine that sends no old inputs: the state's values of the new inputs stand in.
    same = plugin.Diff(provider_pb2.DiffRequest(**state, news=given))
    assert (same.changes, list(same.diffs)) == (DIFF_NONE, [])
    assert len(emulator.requests) == reads + 1


def test_a_diff_of_a_gate_whose_task_is_gone_fails_in_one_line(plugin, serve):
    emulator = serve(scenario([task("t1", "orders")]))
    configure(plugin, emulator)
    inputs = struct(instanceId=INSTANCE_ID, taskId="t9")
    error = error_of(plugin.Diff, GATE_CALLS["Diff"](GATE_URN, GATE, inputs))
    assert error.code() == grpc.StatusCode.UNKNOWN
    assert "The migration task t9 does not exist" in error.details()


def test_a_state_without_inputs_is_refreshed_with_the_inputs_among_its_outputs(plugin, serve):
    emulator = serve(scenario([task("t1", "orders"), task("t2", "users", status="starting")]))
    configure(plugin, emulator)
    created = create(plugin, kind=GATES, instanceId=INSTANCE_ID, status="finished")
    read = plugin.Read(
        provider_pb2.ReadRequest(
            urn=GATES_URN, type=GATES, id=created.id, properties=created.properties
        )
    )
    assert read.id == created.id
    inputs = plain(read.inputs)
    assert (inputs["instanceId"], inputs["status"]) == (INSTANCE_ID, "finished")
    assert not {"ids", "tasks", "total", "statusCounts"} & inputs.keys(), "outputs only"
    assert plain(read.properties)["ids"] == ["t1"]


def test_a_task_gate_without_inputs_is_refreshed_by_its_task_id(plugin, serve):
    """Its outputs hold the task's name and its id: the id decides, as for a 0.1.0 lookup,
    and region and project are left to the config."""
    emulator = serve(scenario([task("t1", "orders")]))
    configure(plugin, emulator)
    created = create(plugin, instanceId=INSTANCE_ID, name="orders", waitFor=["finished"])
    stored = plain(created.properties)
    assert (stored["taskId"], stored["name"]) == ("t1", "orders")
    read = plugin.Read(
        provider_pb2.ReadRequest(
            urn=GATE_URN, type=GATE, id=created.id, properties=created.properties
        )
    )
    inputs = plain(read.inputs)
    assert inputs["taskId"] == "t1" and "name" not in inputs
    assert not {"region", "projectId"} & inputs.keys()
    assert plain(read.properties)["status"] == "finished"


def test_gates_in_flight_are_served_at_once(plugin, serve, engine):
    """Every gate of a large stack may wait at the same time: none queues behind another."""
    count = 40  # more than a default pool of threads on any machine (at most 32)
    emulator = serve(scenario([task("t1", "orders", status="starting")]))
    configure(plugin, emulator)
    engine[0].barrier = threading.Barrier(count, timeout=10)  # each warning waits for all
    inputs = struct(instanceId=INSTANCE_ID, taskId="t1", waitFor=["finished"])
    urns = [f"{GATE_URN}-{n}" for n in range(count)]
    calls = [
        plugin.Create.future(
            provider_pb2.CreateRequest(urn=urn, type=GATE, properties=inputs, preview=True)
        )
        for urn in urns
    ]
    assert {plain(call.result(timeout=60).properties)["status"] for call in calls} == {"starting"}
    assert sorted(engine[0].said("will wait for finished")) == sorted(urns)


def test_a_gate_state_over_grpcs_default_message_limit_is_served(plugin):
    """gRPC refuses a message over 4 MiB unless told; a gate's state can be larger."""
    olds = struct(instanceId=INSTANCE_ID, taskId="t1", queues=["q" * 1000] * 5000)
    news = struct(instanceId=INSTANCE_ID, taskId="t2")
    request = provider_pb2.DiffRequest(
        urn=GATE_URN, type=GATE, id="gate", olds=olds, news=news, old_inputs=olds
    )
    assert request.ByteSize() > 5_000_000
    changed = plugin.Diff(request)
    assert (changed.changes, list(changed.diffs)) == (DIFF_SOME, ["queues", "taskId"])
