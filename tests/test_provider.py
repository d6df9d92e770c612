"""The dynamic provider, called the way the engine calls it.

In process for the read logic, and through ``python -m pulumi.dynamic`` in a
separate process (gRPC Configure and Read), which is where pickling problems and
captured credentials would show.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import dill
import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from pulumi_rocketmq_migration.emulator import Faults
from pulumi_rocketmq_migration.provider import PROVIDER, MigrationTaskProvider, RefreshFailed

from .conftest import ACCESS_KEY, INSTANCE_ID, PROJECT_ID, SECRET_KEY, scenario, task


class FakeConfig:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str) -> str | None:
        return self.values.get(key)


class FakeConfigure:
    def __init__(self, values: dict[str, str]) -> None:
        self.config = FakeConfig(values)


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("HW_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("HW_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("HW_PROJECT_ID", PROJECT_ID)


def props(emulator, **extra):
    values = {"__lookup": "task", "instance_id": INSTANCE_ID, "endpoint": emulator.base_url}
    values.update(extra)
    return values


def test_the_pickled_provider_is_small_and_captures_nothing():
    configured = MigrationTaskProvider()
    configured.configure(FakeConfigure({"huaweicloud:secretKey": SECRET_KEY}))
    pickled = serialize_provider(configured)
    assert pickled == serialize_provider(PROVIDER), "one provider string for every lookup"
    assert len(pickled) < 1024
    assert SECRET_KEY.encode() not in base64.b64decode(pickled)
    assert isinstance(dill.loads(base64.b64decode(pickled)), MigrationTaskProvider)


def test_read_maps_every_metadata_task_field(serve, env):
    emulator = serve(scenario([task("t1", "orders", start_date="2024-01-02 03:04:05.6")]))
    result = MigrationTaskProvider().read("lookup-id", props(emulator, task_id="t1"))
    assert result.id == "lookup-id"
    outs = result.outs
    assert (outs["task_id"], outs["name"], outs["start_date"], outs["status"], outs["type"]) == (
        "t1",
        "orders",
        "2024-01-02 03:04:05.6",
        "finished",
        "rabbitToRocket",
    )
    assert outs["finished"] and not outs["in_progress"] and outs["error"] is None
    assert outs["project_id"] == PROJECT_ID and outs["instance_id"] == INSTANCE_ID


def test_read_reports_domain_failures_as_an_error_output(serve, env):
    emulator = serve(scenario([task("t1", "orders", status="failed")]))
    provider = MigrationTaskProvider()
    failed = provider.read(
        "x", props(emulator, task_id="t1", wait_for=["finished"], __preview=True)
    )
    missing = provider.read("x", props(emulator, task_id="nope"))
    bad = provider.read("x", props(emulator, task_id="t1", wait_for=["done"]))
    assert "'orders' (t1) is failed" in failed.outs["error"]
    assert "DMS.00405011" in missing.outs["error"]
    assert bad.outs["error"].startswith("wait_for:")


def test_a_preview_never_waits(serve, env):
    emulator = serve(scenario([task("t1", "orders", status="starting")]))
    outs = (
        MigrationTaskProvider()
        .read(
            "x", props(emulator, task_id="t1", wait_for=["finished"], timeout="1h", __preview=True)
        )
        .outs
    )
    assert outs["status"] == "starting" and outs["error"] is None


def test_an_update_waits_through_the_timeline(serve, env):
    timeline = [
        {"status": "creating"},
        {"status": "starting", "after_reads": 1},
        {"status": "finished", "after_reads": 3},
    ]
    emulator = serve(scenario([task("t1", "orders", timeline=timeline)]))
    outs = (
        MigrationTaskProvider()
        .read("x", props(emulator, task_id="t1", wait_for=["finished"], poll_interval=1))
        .outs
    )
    assert outs["status"] == "finished"


def test_listing_filters_on_task_fields_not_api_parameters(serve, env):
    tasks = [
        task("a", "one", type="rocketmq"),
        task("b", "two", type="rabbitToRocket", status="failed"),
        task("c", "three", type="rabbitToRocket"),
    ]
    emulator = serve(scenario(tasks))
    outs = (
        MigrationTaskProvider()
        .read("x", props(emulator, __lookup="tasks", task_type="rabbitToRocket", status="finished"))
        .outs
    )
    assert outs["ids"] == ["c"]
    assert {k for q in emulator.requests for k, _ in q.query} <= {"offset", "limit"}


def _serialized(values):
    return asyncio.run(rpc.serialize_properties(values, {}))


def test_through_the_engine_protocol_in_a_separate_process(serve):
    """Configure then Read over gRPC, exactly as the engine drives the plugin."""
    emulator = serve(scenario([task("t1", "orders")]))
    environment = dict(
        os.environ, HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY, PULUMI_PROJECT="p"
    )
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.dynamic"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        stub = provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        config = struct_pb2.Struct()
        config.update(
            {"huaweicloud:dmsEndpoint": emulator.base_url, "huaweicloud:projectId": PROJECT_ID}
        )
        stub.Configure(provider_pb2.ConfigureRequest(args=config))
        request = {
            "__provider": serialize_provider(PROVIDER),
            "__lookup": "task",
            "instance_id": INSTANCE_ID,
            "task_id": "t1",
        }
        answer = stub.Read(
            provider_pb2.ReadRequest(
                id="x", urn="urn:pulumi:s::p::t::n", properties=_serialized(request)
            )
        )
        outs = rpc.deserialize_properties(answer.properties)
        assert outs["status"] == "finished"
        assert outs["project_id"] == PROJECT_ID
        assert SECRET_KEY not in str(answer)
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert SECRET_KEY not in stderr


def test_a_refresh_reads_again_with_the_inputs_the_program_gave(serve, env):
    """On refresh the engine passes the last outputs; they carry the program's inputs."""
    older = task("t-old", "same", start_date="2024-01-01 00:00:00.00")
    newer = task("t-new", "same", start_date="2024-06-01 00:00:00.00")
    emulator = serve(scenario([older, newer]))
    provider = MigrationTaskProvider()
    by_name = provider.read("x", props(emulator, name="same")).outs
    assert by_name["__inputs"] == {
        "instance_id": INSTANCE_ID,
        "endpoint": emulator.base_url,
        "name": "same",
    }
    # The outputs' task_id is an output: the program asked for the newest of a name.
    refreshed = provider.read("x", {**by_name, "task_id": "t-old"}).outs
    assert (by_name["task_id"], refreshed["task_id"]) == ("t-new", "t-new")
    assert refreshed["error"] is None and refreshed["__inputs"] == by_name["__inputs"]
    tasks = provider.read("x", props(emulator, __lookup="tasks", name="same")).outs
    assert provider.read("x", tasks).outs["total"] == 2, "a set's name filter survives a refresh"


def test_a_refresh_of_a_lookup_read_by_0_1_0_reads_the_task_it_found(serve, env):
    """0.1.0 kept no inputs in the outputs: its outputs are the inputs, the id winning."""
    older = task("t-old", "same", start_date="2024-01-01 00:00:00.00")
    newer = task("t-new", "same", start_date="2024-06-01 00:00:00.00")
    emulator = serve(scenario([older, newer]))
    provider = MigrationTaskProvider()
    outs = provider.read("x", props(emulator, name="same")).outs
    legacy = {k: v for k, v in outs.items() if not k.startswith("__")} | {"task_id": "t-old"}
    assert provider.read("x", legacy).outs["task_id"] == "t-old"
    listing = provider.read("x", props(emulator, __lookup="tasks", name="same")).outs
    legacy = {k: v for k, v in listing.items() if not k.startswith("__")} | {"name": "same"}
    assert provider.read("x", legacy).outs["total"] == 2


def test_a_refresh_that_cannot_read_fails_naming_the_lookup(serve, env):
    emulator = serve(scenario([task("t1", "orders", status="starting")]))
    provider = MigrationTaskProvider()
    gate = props(emulator, task_id="t1", wait_for=["finished"], timeout="1h")
    gate["__urn"] = (
        "urn:pulumi:dev::demo::pulumi-python:dynamic/rocketmq:MigrationTask::orders-gate"
    )
    outs = provider.read("x", {**gate, "__preview": True}).outs
    started = time.monotonic()
    assert provider.read("x", outs).outs["status"] == "starting", "a refresh never waits"
    assert time.monotonic() - started < 5
    missing = provider.read("x", {**gate, "task_id": "gone", "__preview": True}).outs
    assert "gone" in missing["error"]
    with pytest.raises(RefreshFailed) as caught:
        provider.read("x", missing)
    assert str(caught.value).startswith("MigrationTask 'orders-gate': ")
    assert "gone" in str(caught.value)


# -- big tasks: counts by default, names when asked ------------------------------------


def test_a_lookup_keeps_counts_unless_names_are_asked(serve, env):
    topics = {f"topic-{i}": {"topicName": f"topic-{i}"} for i in range(3)}
    big = task("t1", "orders", type="rocketmq", metadata={"topicConfigTable": topics})
    emulator = serve(scenario([big]))
    provider = MigrationTaskProvider()
    counts = provider.read("x", props(emulator, task_id="t1")).outs
    names = provider.read("x", props(emulator, task_id="t1", metadata="names")).outs
    bad = provider.read("x", props(emulator, task_id="t1", metadata="all")).outs
    assert counts["metadata_counts"]["topics"] == 3 == names["metadata_counts"]["topics"]
    assert counts["topics"] is None and counts["consumer_groups"] is None
    assert names["topics"] == ["topic-0", "topic-1", "topic-2"]
    assert bad["error"] == "metadata: 'all' is not one of counts, names"


# -- one listing for many lookups, four reads at a time ----------------------------------


def _engine_pool(reads):
    """Run reads the way the engine's provider process does: four at a time."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda call: call(), reads))


def test_by_name_lookups_and_a_listing_share_one_listing(serve, env):
    emulator = serve(
        scenario(generate={"count": 137, "type": "rocketmq"}), Faults(latency_seconds=0.05)
    )
    provider = MigrationTaskProvider()
    names = [f"task-{i}" for i in range(0, 137, 7)]  # 20 by-name lookups
    reads = [functools.partial(provider.read, "x", props(emulator, name=n)) for n in names]
    reads.insert(2, functools.partial(provider.read, "x", props(emulator, __lookup="tasks")))
    results = _engine_pool(reads)
    assert all(r.outs["error"] is None for r in results)
    details = [r for r in emulator.requests if ("type", "all") in r.query]
    pages = [r for r in emulator.requests if ("type", "all") not in r.query]
    assert len(details) == 20  # every status read afresh
    assert len(pages) <= 2 * 3  # one listing (3 pages), or two when the listing ended early


# -- gates at scale: one set gate against many single-task gates -------------------------


def _finishing(count, after_seconds):
    timeline = [{"status": "starting"}, {"status": "finished", "after_seconds": after_seconds}]
    return [task(f"g{i}", f"gate-{i}", timeline=timeline) for i in range(count)]


def test_a_set_gate_waits_for_every_task_with_one_listing_a_poll(serve, env):
    emulator = serve(scenario(_finishing(8, 1.5)))
    started = time.monotonic()
    outs = (
        MigrationTaskProvider()
        .read("x", props(emulator, __lookup="tasks", wait_for="finished", poll_interval="1s"))
        .outs
    )
    assert outs["error"] is None
    assert outs["status_counts"]["finished"] == 8 == outs["total"]
    assert time.monotonic() - started < 5
    assert not any(("type", "all") in r.query for r in emulator.requests)  # no detail reads
    polls = [r for r in emulator.requests if ("offset", "1") in r.query]
    assert len(emulator.requests) <= 2 * len(polls)  # page 1, and page 2 to prove the end


def test_a_set_gate_fails_at_once_when_any_task_fails(serve, env):
    timeline = [{"status": "starting"}, {"status": "failed", "after_reads": 2}]
    tasks = [*_finishing(3, 60), task("bad", "broken", timeline=timeline)]
    emulator = serve(scenario(tasks))
    started = time.monotonic()
    outs = (
        MigrationTaskProvider()
        .read("x", props(emulator, __lookup="tasks", wait_for="finished", poll_interval="1s"))
        .outs
    )
    assert "'broken' (bad) is failed" in outs["error"]
    assert time.monotonic() - started < 3


def test_a_set_gate_times_out_naming_a_task_still_waiting(serve, env):
    emulator = serve(scenario(_finishing(2, 600)))
    outs = (
        MigrationTaskProvider()
        .read(
            "x",
            props(emulator, __lookup="tasks", wait_for="finished", poll_interval="1s", timeout=0.5),
        )
        .outs
    )
    assert "is still starting" in outs["error"] and "waiting for finished" in outs["error"]


def test_a_set_gate_preview_never_waits_and_an_empty_set_is_done(serve, env):
    emulator = serve(scenario(_finishing(2, 600)))
    provider = MigrationTaskProvider()
    gate = props(emulator, __lookup="tasks", wait_for="finished", timeout="1h")
    preview = provider.read("x", {**gate, "__preview": True}).outs
    empty = provider.read("x", {**gate, "name": "no-such-task"}).outs
    assert preview["error"] is None and preview["status_counts"]["starting"] == 2
    assert empty["error"] is None and empty["total"] == 0


def test_eight_single_gates_cost_more_than_one_set_gate(serve, env):
    """What each costs, with the engine's four reads at a time (printed with -s)."""
    costs = {}
    for kind in ("single", "set"):
        emulator = serve(scenario(_finishing(8, 1.5)))
        provider = MigrationTaskProvider()
        wait = {"wait_for": "finished", "poll_interval": "1s", "timeout": "30s"}
        if kind == "single":
            reads = [
                functools.partial(provider.read, "x", props(emulator, task_id=f"g{i}", **wait))
                for i in range(8)
            ]
        else:
            reads = [
                functools.partial(provider.read, "x", props(emulator, __lookup="tasks", **wait))
            ]
        started = time.monotonic()
        results = _engine_pool(reads)
        costs[kind] = (len(emulator.requests), time.monotonic() - started)
        assert all(r.outs["error"] is None for r in results)
    print(f"\n8 single-task gates: {costs['single'][0]} requests, {costs['single'][1]:.2f} s")
    print(f"1 set gate:          {costs['set'][0]} requests, {costs['set'][1]:.2f} s")
    assert costs["set"][0] < costs["single"][0]
    assert costs["set"][1] <= costs["single"][1] + 0.5


def test_a_zero_timeout_checks_once_and_does_not_wait(serve, env):
    # 0 means "check once", as in the CLI; it used to fall back to the 30-minute default.
    emulator = serve(scenario([task("t1", "orders", status="starting")]))
    started = time.monotonic()
    outs = (
        MigrationTaskProvider()
        .read("x", props(emulator, task_id="t1", wait_for=["finished"], timeout=0))
        .outs
    )
    assert time.monotonic() - started < 5
    assert "is still starting" in outs["error"]
    assert len(emulator.requests) <= 2  # the first read, and the wait's one check


# -- stack config, and refreshes of lookups read by 0.1.0 ----------------------------------


def _configured(emulator):
    """A provider configured as the engine does: the lookups' provider resource's keys."""
    provider = MigrationTaskProvider()
    provider.configure(
        FakeConfigure(
            {
                "huaweicloud:dmsEndpoint": emulator.base_url,
                "huaweicloud:accessKey": ACCESS_KEY,
                "huaweicloud:secretKey": SECRET_KEY,
                "huaweicloud:projectId": PROJECT_ID,
                "aws:region": "us-east-1",
            }
        )
    )
    return provider


def test_a_configured_provider_reads_with_its_stack_config_alone(serve):
    emulator = serve(scenario([task("t1", "orders")]))
    outs = (
        _configured(emulator)
        .read("x", {"__lookup": "task", "instance_id": INSTANCE_ID, "task_id": "t1"})
        .outs
    )
    assert outs["error"] is None and outs["status"] == "finished"
    assert outs["project_id"] == PROJECT_ID


def test_a_refresh_of_a_set_that_cannot_read_fails_naming_the_set(serve, env):
    emulator = serve(scenario([task("t1", "orders")]))
    provider = MigrationTaskProvider()
    urn = "urn:pulumi:dev::demo::pulumi-python:dynamic/rocketmq:MigrationTasks::all-gates"
    gone = props(emulator, __lookup="tasks", instance_id="gone-instance", __urn=urn)
    outs = provider.read("x", gone).outs
    assert "gone-instance" in outs["error"]
    with pytest.raises(RefreshFailed) as caught:
        provider.read("x", outs)
    assert str(caught.value).startswith("MigrationTasks 'all-gates': ")


def test_a_0_1_0_lookup_whose_read_had_failed_reads_what_it_asked_for(serve, env):
    """Its state holds the inputs and the error: by id, or by name, as the program asked."""
    emulator = serve(scenario([task("t1", "orders")]))
    provider = MigrationTaskProvider()
    failed = {"instance_id": INSTANCE_ID, "endpoint": emulator.base_url, "error": "not yet"}
    by_id = provider.read("x", {**failed, "task_id": "t1"}).outs
    by_name = provider.read("x", {**failed, "name": "orders"}).outs
    assert by_id["task_id"] == by_name["task_id"] == "t1"
    assert by_id["error"] is by_name["error"] is None
    with pytest.raises(RefreshFailed) as caught:
        provider.read("x", {**failed, "task_id": "gone"})
    assert str(caught.value).startswith("MigrationTask 'lookup': ")
    assert "gone" in str(caught.value)


def test_a_0_1_0_lookup_refreshes_where_stack_config_says_not_where_its_outputs_were(serve):
    """region and project_id are outputs too; as inputs they would outrank stack config."""
    emulator = serve(scenario([task("t1", "orders")]))
    state = {
        "instance_id": INSTANCE_ID,
        "task_id": "t1",
        "name": "orders",
        "status": "finished",
        "region": "cn-north-4",
        "project_id": "ffffffffffffffffffffffffffffffff",
    }
    outs = _configured(emulator).read("x", state).outs
    assert outs["error"] is None and outs["project_id"] == PROJECT_ID
    assert outs["__inputs"] == {"instance_id": INSTANCE_ID, "task_id": "t1"}
