"""Waiting on a set of tasks with a fake clock: every one reached, any one failed, timeout."""

from __future__ import annotations

import pytest

from pulumi_rocketmq_migration.errors import TaskFailed, WaitTimeout
from pulumi_rocketmq_migration.models import MetadataTask
from pulumi_rocketmq_migration.waiting import WaitPolicy, deciding_task, wait_all


def task(task_id: str, status: str) -> MetadataTask:
    return MetadataTask(
        id=task_id, name=f"name-{task_id}", start_date="d", status=status, type="rocketmq"
    )


class Polls:
    """A set whose statuses follow a script, poll by poll, on a clock only sleeping moves."""

    def __init__(self, *polls: dict[str, str]) -> None:
        self.polls = list(polls)
        self.reads = 0
        self.now = 0.0

    def read(self) -> list[MetadataTask]:
        statuses = self.polls[min(self.reads, len(self.polls) - 1)]
        self.reads += 1
        return [task(i, s) for i, s in statuses.items()]

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run(polls: Polls, policy: WaitPolicy) -> tuple[MetadataTask, ...]:
    return wait_all(polls.read, policy, clock=lambda: polls.now, sleep=polls.sleep)


POLICY = WaitPolicy.build("finished", timeout=60, interval=10)


def test_waits_until_every_task_is_reached():
    polls = Polls(
        {"a": "starting", "b": "creating"},
        {"a": "finished", "b": "starting"},
        {"a": "finished", "b": "finished"},
    )
    assert [t.status for t in run(polls, POLICY)] == ["finished", "finished"]
    assert polls.reads == 3 and polls.now == 20


def test_any_fail_on_status_stops_at_once_naming_that_task():
    polls = Polls({"a": "starting", "b": "starting"}, {"a": "finished", "b": "failed"})
    with pytest.raises(TaskFailed) as caught:
        run(polls, POLICY)
    assert caught.value.task_id == "b" and polls.reads == 2


def test_a_failure_wins_over_tasks_still_waiting():
    polls = Polls({"a": "starting", "b": "failed", "c": "creating"})
    with pytest.raises(TaskFailed):
        run(polls, POLICY)
    assert polls.reads == 1


def test_the_timeout_names_a_task_still_waiting():
    polls = Polls({"a": "finished", "b": "starting"})
    with pytest.raises(WaitTimeout) as caught:
        run(polls, POLICY)
    assert caught.value.task_id == "b" and caught.value.status == "starting"
    assert polls.now == 60


def test_one_task_still_going_holds_the_set_whatever_its_place():
    polls = Polls({"a": "starting", "b": "finished"})
    with pytest.raises(WaitTimeout) as caught:
        run(polls, POLICY)
    assert caught.value.task_id == "a"
    # A poll every 10 s of the wait's clock, none started with no time left.
    assert (polls.reads, polls.now) == (6, 60)


def test_an_empty_set_has_nothing_to_wait_for():
    polls = Polls({})
    assert run(polls, POLICY) == ()
    assert polls.reads == 1


def test_the_deciding_task():
    tasks = [task("a", "finished"), task("b", "starting"), task("c", "failed")]
    assert deciding_task(tasks, POLICY) == tasks[2]
    assert deciding_task(tasks[:2], POLICY) == tasks[1]
    assert deciding_task(tasks[:1], POLICY) == tasks[0]
    assert deciding_task([], POLICY) is None
