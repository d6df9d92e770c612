"""The wait loop with a fake clock: reached, failed, timed out; and duration parsing."""

from __future__ import annotations

import pytest

from pulumi_rocketmq_migration.errors import InvalidRequest, TaskFailed, WaitTimeout
from pulumi_rocketmq_migration.models import MetadataTask
from pulumi_rocketmq_migration.waiting import WaitPolicy, parse_duration, wait


class Timeline:
    """A task whose status follows a script, on a clock that only sleeping moves."""

    def __init__(self, *statuses: str) -> None:
        self.statuses = list(statuses)
        self.now = 0.0
        self.reads = 0

    def read(self) -> MetadataTask:
        status = self.statuses[min(self.reads, len(self.statuses) - 1)]
        self.reads += 1
        return MetadataTask(id="t1", name="orders", start_date="d", status=status, type="rocketmq")

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def run(timeline: Timeline, policy: WaitPolicy, changes: list[str] | None = None) -> MetadataTask:
    return wait(
        timeline.read,
        policy,
        clock=lambda: timeline.now,
        sleep=timeline.sleep,
        on_change=(lambda t, _: changes.append(t.status)) if changes is not None else None,
    )


def test_waits_through_the_timeline_and_reports_each_change():
    timeline = Timeline("creating", "creating", "starting", "finished")
    changes: list[str] = []
    task = run(timeline, WaitPolicy.build("finished", interval="5s"), changes)
    assert task.finished
    assert changes == ["creating", "starting", "finished"]
    assert timeline.now == 15


def test_a_fail_on_status_stops_at_once():
    timeline = Timeline("starting", "failed", "finished")
    with pytest.raises(TaskFailed, match="'orders' \\(t1\\) is failed"):
        run(timeline, WaitPolicy.build("finished"))
    assert timeline.reads == 2


def test_the_timeout_names_the_task_and_its_last_status():
    timeline = Timeline("starting")
    with pytest.raises(WaitTimeout, match="'orders' \\(t1\\) is still starting after 60s"):
        run(timeline, WaitPolicy.build("finished", timeout="1m", interval="7s"))
    assert timeline.now == 60


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("10m", 600), ("1h30m", 5400), (2.5, 2.5)]
)
def test_durations(text, seconds):
    assert parse_duration("timeout", text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-5s", "1d", True])
def test_bad_durations_name_the_field(text):
    with pytest.raises(InvalidRequest, match="timeout"):
        parse_duration("timeout", text)


def test_bad_policies_name_the_input():
    with pytest.raises(InvalidRequest, match="wait_for"):
        WaitPolicy.build("done")
    with pytest.raises(InvalidRequest, match="fail_on"):
        WaitPolicy.build("finished", fail_on="finished")
    with pytest.raises(InvalidRequest, match="poll_interval"):
        WaitPolicy.build("finished", interval="0s")
