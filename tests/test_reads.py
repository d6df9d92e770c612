"""The core every read follows (reads.py): a lookup's inputs in, its outputs or a typed error out.

Reads go to the emulator over real HTTP; the rules that need no request are called
directly, as both faces call them.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from pulumi_rocketmq_migration.emulator import Faults
from pulumi_rocketmq_migration.errors import InvalidRequest, TaskFailed
from pulumi_rocketmq_migration.reads import UNKNOWN, Reader, check_inputs, waiting_notice
from pulumi_rocketmq_migration.waiting import WaitPolicy

from .conftest import ACCESS_KEY, INSTANCE_ID, PROJECT_ID, SECRET_KEY, scenario, task

TOPICS = {f"topic-{i}": {"topicName": f"topic-{i}"} for i in range(3)}


class Said:
    """What a read says on the engine's log (the ``Log`` it is handed), line by line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.warnings: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def warn(self, message: str) -> None:
        self.warnings.append(message)


def reader(**config: str) -> Reader:
    """A reader whose stack config holds the emulator's keys, and ``config`` besides."""
    keys = {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY, "projectId": PROJECT_ID}
    return Reader({f"huaweicloud:{k}": v for k, v in {**keys, **config}.items()})


def read(
    emulator: Any, lookup: str, through: Reader | None = None, preview: bool = False, **inputs: Any
) -> tuple[dict[str, Any], Said]:
    said = Said()
    given = {"instance_id": INSTANCE_ID, "endpoint": emulator.base_url, **inputs}
    outputs = (through or reader()).read(lookup, given, preview=preview, log=said)
    return outputs, said


def refused(lookup: str, inputs: dict[str, Any]) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        check_inputs(lookup, inputs)
    return caught.value


# -- the rules that need no request -------------------------------------------------


def test_an_unknown_lookup_kind_names_both_kinds(serve):
    emulator = serve(scenario([task("t1", "orders")]))
    with pytest.raises(InvalidRequest) as caught:
        read(emulator, "job", task_id="t1")
    assert (caught.value.field, str(caught.value)) == (
        "lookup",
        "lookup: 'job' is not one of task, tasks",
    )
    assert emulator.requests == []


def test_a_task_asked_for_by_id_and_name_is_refused_before_any_request(serve):
    emulator = serve(scenario([task("t1", "orders")]))
    with pytest.raises(InvalidRequest, match=r"^task_id: give exactly one of task_id and name$"):
        read(emulator, "task", task_id="t1", name="orders")
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("lookup", "inputs", "message"),
    [
        ("task", {"task_id": "t1"}, "instance_id: must be a non-empty string"),
        ("task", {"instance_id": "", "task_id": "t1"}, "instance_id: must be a non-empty string"),
        ("tasks", {"instance_id": 42}, "instance_id: must be a non-empty string"),
        (
            "task",
            {"instance_id": INSTANCE_ID, "task_id": " "},
            "task_id: must be a non-empty string",
        ),
        ("task", {"instance_id": INSTANCE_ID, "name": ""}, "name: must be a non-empty string"),
        (
            "task",
            {"instance_id": INSTANCE_ID, "task_id": "t1", "metadata": "all"},
            "metadata: 'all' is not one of counts, names",
        ),
        ("tasks", {"instance_id": INSTANCE_ID, "fail_on": "failed"}, "fail_on: needs wait_for"),
    ],
)
def test_inputs_are_refused_naming_the_field_and_what_is_allowed(lookup, inputs, message):
    problem = refused(lookup, inputs)
    assert str(problem) == message and problem.field == message.split(":")[0]


@pytest.mark.parametrize(
    ("unknown", "bad", "value"),
    [
        ("fail_on", "timeout", "forever"),
        ("timeout", "poll_interval", "0s"),
        ("poll_interval", "timeout", "forever"),
    ],
)
def test_a_wait_with_an_unknown_part_is_checked_whole_once_known(unknown, bad, value):
    """A preview cannot judge a wait it only partly knows; the update checks it all."""
    gate = {"instance_id": INSTANCE_ID, "task_id": "t1", "wait_for": "finished", bad: value}
    check_inputs("task", {**gate, unknown: UNKNOWN})
    known = {"fail_on": "creating", "timeout": "1m", "poll_interval": "5s"}[unknown]
    assert refused("task", {**gate, unknown: known}).field == bad


def test_what_is_given_and_allowed_passes():
    check_inputs(
        "task",
        {
            "instance_id": INSTANCE_ID,
            "task_id": "t1",
            "wait_for": "finished",
            "fail_on": "creating",
        },
    )
    check_inputs("task", {"instance_id": UNKNOWN, "name": UNKNOWN, "metadata": "names"})
    check_inputs("tasks", {"instance_id": INSTANCE_ID, "status": "starting"})


# -- what a preview says of a gate ----------------------------------------------------

ENDED = WaitPolicy.build(["finished", "failed"], timeout="90s")


@pytest.mark.parametrize(
    ("lookup", "outputs", "notice"),
    [
        (
            "task",
            {"status": "starting"},
            "migration task is starting; `pulumi up` will wait for finished or failed "
            "(timeout 90s)",
        ),
        ("task", {"status": "failed"}, None),
        ("task", {"status": None}, None),
        (
            "tasks",
            {"status_counts": {"creating": 2, "starting": 1, "finished": 4}},
            "3 migration task(s) not yet finished or failed; `pulumi up` will wait for every "
            "one (timeout 90s)",
        ),
        ("tasks", {"status_counts": {"finished": 4, "failed": 1}}, None),
        ("tasks", {"status_counts": None}, None),
    ],
)
def test_a_preview_says_what_the_update_will_wait_for(lookup, outputs, notice):
    assert waiting_notice(lookup, ENDED, outputs) == notice


# -- where a read connects, and how it lists ------------------------------------------


def test_insecure_is_said_once_per_endpoint_not_per_read(serve):
    emulator = serve(scenario([task("t1", "orders")]))
    through = reader(insecure="true")
    first, said = read(emulator, "task", through, task_id="t1")
    again, said_again = read(emulator, "task", through, task_id="t1")
    assert first["status"] == again["status"] == "finished"
    assert len(said.warnings) == 1 and said_again.warnings == []
    assert said.warnings[0].startswith(
        f"TLS verification is off (insecure) for {emulator.base_url}"
    )


def test_max_concurrency_comes_from_stack_config_then_the_environment(monkeypatch):
    monkeypatch.setenv("HW_MAX_CONCURRENCY", "2")
    assert Reader({"huaweicloud:maxConcurrency": "3"}).listing_policy().concurrency == 3
    assert Reader().listing_policy().concurrency == 2
    assert Reader({"acme:maxConcurrency": "5"}, namespace="acme").listing_policy().concurrency == 5
    monkeypatch.delenv("HW_MAX_CONCURRENCY")
    assert Reader({"huaweicloud:maxConcurrency": "5"}, namespace="acme").listing_policy() == (
        Reader().listing_policy()
    )


def test_a_bad_max_concurrency_fails_a_lookup_by_name_naming_the_key(serve):
    emulator = serve(scenario([task("t1", "orders")]))
    with pytest.raises(InvalidRequest) as caught:
        read(emulator, "task", reader(maxConcurrency="0"), name="orders")
    assert caught.value.field == "huaweicloud:maxConcurrency"


def _one_at_a_time(requests: list[Any], latency: float) -> bool:
    received = sorted(r.time for r in requests)
    return all(b - a >= latency * 0.9 for a, b in itertools.pairwise(received))


def test_max_concurrency_one_reads_every_listing_page_by_page(serve):
    """A listing, a gate's own listing and each of its polls all keep the configured pace."""
    late = task(
        "late", "late", timeline=[{"status": "starting"}, {"status": "finished", "after_reads": 2}]
    )
    emulator = serve(scenario([late], generate={"count": 137}), Faults(latency_seconds=0.15))
    through = reader(maxConcurrency="1")
    listed, _ = read(emulator, "tasks", through, name="task-3")
    assert listed["total"] == 1 and _one_at_a_time(emulator.requests, 0.15)
    before = len(emulator.requests)
    gated, _ = read(emulator, "tasks", through, wait_for="finished", poll_interval="1s")
    assert gated["total"] == 138 and gated["status_counts"]["finished"] == 138
    polls = [r for r in emulator.requests[before:] if ("offset", "1") in r.query]
    assert len(polls) == 2, "the gate's own listing, then one poll"
    second = emulator.requests.index(polls[1])
    assert _one_at_a_time(emulator.requests[before:second], 0.15)
    assert _one_at_a_time(emulator.requests[second:], 0.15)


# -- one task ---------------------------------------------------------------------------


def test_fail_on_statuses_fail_a_gate_at_once(serve):
    emulator = serve(scenario([task("t1", "orders", status="creating")]))
    with pytest.raises(TaskFailed, match=r"^migration task 'orders' \(t1\) is creating$"):
        read(emulator, "task", task_id="t1", wait_for="finished", fail_on=["creating"])
    assert len(emulator.requests) == 1


def test_an_update_waits_saying_each_new_status_and_gives_what_it_migrated(serve):
    timeline = [
        {"status": "creating"},
        {"status": "starting", "after_reads": 1},
        {"status": "finished", "after_reads": 2},
    ]
    metadata = {"topicConfigTable": TOPICS}
    emulator = serve(
        scenario([task("t1", "orders", type="rocketmq", timeline=timeline, metadata=metadata)])
    )
    outputs, said = read(
        emulator, "task", task_id="t1", wait_for=["finished", "failed"], poll_interval="1s"
    )
    assert outputs["status"] == "finished" and outputs["metadata_counts"]["topics"] == 3
    assert said.lines[0] == (
        "migration task 'orders' is starting after 0s; waiting for finished or failed"
    )
    assert re.fullmatch(
        r"migration task 'orders' is finished after \d+s; waiting for finished or failed",
        said.lines[1],
    )
    assert len(said.lines) == 2


# -- a set --------------------------------------------------------------------------------


def test_a_set_gate_with_a_task_already_failed_fails_at_once_naming_it(serve):
    emulator = serve(scenario([task("a", "fine"), task("b", "broken", status="failed")]))
    with pytest.raises(TaskFailed) as caught:
        read(emulator, "tasks", preview=True, wait_for="finished")
    assert str(caught.value) == "migration task 'broken' (b) is failed"


def test_a_set_gate_says_each_change_once_and_then_how_many_are_there(serve):
    late = [{"status": "starting"}, {"status": "finished", "after_reads": 2}]
    tasks = [task(f"d{i}", f"done-{i}") for i in range(19)] + [task("l", "late", timeline=late)]
    emulator = serve(scenario(tasks))
    outputs, said = read(
        emulator, "tasks", wait_for=["finished", "failed"], poll_interval="1s", timeout="30s"
    )
    assert outputs["instance_id"] == INSTANCE_ID and outputs["total"] == 20
    first = {f"migration task 'done-{i}' is finished after 0s" for i in range(19)}
    assert set(said.lines[:20]) == first | {"migration task 'late' is starting after 0s"}
    assert said.lines[20] == "19 of 20 tasks finished or failed; waiting for finished or failed"
    # The second poll changed nothing, so it said nothing.
    assert re.fullmatch(r"migration task 'late' is finished after \d+s", said.lines[21])
    assert said.lines[22] == "20 of 20 tasks finished or failed; waiting for finished or failed"
    assert len(said.lines) == 23


def test_a_set_gate_says_twenty_changes_a_poll_and_counts_the_rest(serve):
    soon = [{"status": "starting"}, {"status": "finished", "after_reads": 1}]
    emulator = serve(scenario([task(f"s{i}", f"sync-{i}", timeline=soon) for i in range(21)]))
    _, said = read(emulator, "tasks", wait_for="finished", poll_interval="1s")
    assert len(said.lines) == 2 * 21
    assert said.lines[20] == "(1 more changes) 0 of 21 tasks finished; waiting for finished"
    assert said.lines[41] == "(1 more changes) 21 of 21 tasks finished; waiting for finished"
