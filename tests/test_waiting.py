"""The wait loop with a fake clock (reached, failed, timed out, what 0 means), strict
durations, and over real HTTP: the timeout bounds a read in flight."""

from __future__ import annotations

import time

import pytest

from pulumi_rocketmq_migration.client import MigrationClient
from pulumi_rocketmq_migration.emulator import Faults
from pulumi_rocketmq_migration.errors import (
    InvalidRequest,
    ServiceUnavailable,
    TaskFailed,
    WaitTimeout,
)
from pulumi_rocketmq_migration.models import MetadataTask
from pulumi_rocketmq_migration.waiting import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT,
    MIN_POLL_INTERVAL,
    WaitPolicy,
    parse_duration,
    wait,
)

from .conftest import INSTANCE_ID, scenario, settings_for, task


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
    ("text", "seconds"),
    [
        ("90", 90),
        ("2.5", 2.5),
        ("90s", 90),
        ("10m", 600),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("1h30m15s", 5415),
        ("1h15s", 3615),
        (" 90s ", 90),
        ("0", 0),
        ("168h", 168 * 3600),
        (2.5, 2.5),
        (0, 0),
    ],
)
def test_durations(text, seconds):
    assert parse_duration("timeout", text) == seconds


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "soon",
        "-5s",
        "1d",
        "1h30",  # was 1h 30s: every number but a lone one needs its unit
        "30m1h",
        "90 s",
        "1.s",
        ".5s",
        "1e3",
        "90S",
        "\u0669\u0660",  # Arabic-Indic 90
        "\uff19\uff10s",  # full-width 90s
        "inf",
        "nan",
        "169h",
        "9" * 400,
        True,
        None,
        [],
        -1,
        float("nan"),
        float("inf"),
        10**400,
    ],
)
def test_bad_durations_name_the_field(text):
    with pytest.raises(InvalidRequest) as caught:
        parse_duration("timeout", text)
    assert caught.value.field == "timeout"


def test_the_duration_grammar_is_stated_in_the_error():
    with pytest.raises(InvalidRequest, match="in the order h, m, s"):
        parse_duration("poll_interval", "1h30")


def test_bad_policies_name_the_input():
    with pytest.raises(InvalidRequest, match="wait_for"):
        WaitPolicy.build("done")
    with pytest.raises(InvalidRequest, match="fail_on"):
        WaitPolicy.build("finished", fail_on="finished")
    with pytest.raises(InvalidRequest, match="poll_interval"):
        WaitPolicy.build("finished", interval="0s")


# -- what 0 means, the smallest interval, the default fail-on -------------------------


def test_timeout_0_checks_once_without_waiting():
    waiting = Timeline("starting", "finished")
    with pytest.raises(WaitTimeout, match="still starting after 0s"):
        run(waiting, WaitPolicy.build("finished", timeout=0))
    assert (waiting.reads, waiting.now) == (1, 0)
    done = Timeline("finished")
    assert run(done, WaitPolicy.build("finished", timeout="0s")).finished


@pytest.mark.parametrize("interval", [0, "0s", "0.001s", 0.999, "0.5"])
def test_an_interval_under_1s_is_refused(interval):
    with pytest.raises(InvalidRequest, match="at least 1s") as caught:
        WaitPolicy.build("finished", interval=interval)
    assert caught.value.field == "poll_interval"


def test_none_means_the_documented_defaults():
    policy = WaitPolicy.build("finished")
    assert (policy.timeout, policy.interval) == (DEFAULT_TIMEOUT, DEFAULT_POLL_INTERVAL)
    assert (DEFAULT_TIMEOUT, DEFAULT_POLL_INTERVAL, MIN_POLL_INTERVAL) == (1800, 10, 1)
    assert WaitPolicy.build("finished", interval=1).interval == 1


def test_failed_still_fails_when_fail_on_names_other_statuses():
    timeline = Timeline("failed")
    with pytest.raises(TaskFailed):
        run(timeline, WaitPolicy.build("finished", fail_on="creating", timeout="1h"))
    assert (timeline.reads, timeline.now) == (1, 0)
    assert WaitPolicy.build("finished", fail_on=["creating"]).fail_on == ("creating", "failed")
    assert WaitPolicy.build("finished", fail_on=[]).fail_on == ("failed",)


def test_failed_can_be_waited_for():
    policy = WaitPolicy.build("failed", fail_on="creating")
    assert policy.fail_on == ("creating",)
    assert run(Timeline("starting", "failed"), policy).failed


class SlowRead(Timeline):
    """Each read takes ``took`` seconds of the (fake) clock."""

    def __init__(self, took: float, *statuses: str) -> None:
        super().__init__(*statuses)
        self.took = took

    def read(self) -> MetadataTask:
        self.now += self.took
        return super().read()


@pytest.mark.parametrize(("status", "outcome"), [("failed", TaskFailed), ("finished", None)])
def test_a_status_read_at_the_timeout_is_judged_before_the_clock(status, outcome):
    timeline = SlowRead(30, "starting", status)
    policy = WaitPolicy.build("finished", timeout="40s", interval="5s")
    if outcome is None:
        assert run(timeline, policy).status == status
    else:
        with pytest.raises(outcome):
            run(timeline, policy)
    assert timeline.now == 65  # the second read ended past the timeout; it still counts


def test_no_read_is_started_with_no_time_left():
    timeline = Timeline("starting")
    with pytest.raises(WaitTimeout):
        run(timeline, WaitPolicy.build("finished", timeout="10s", interval="4s"))
    assert (timeline.reads, timeline.now) == (3, 10)  # at 0, 4 and 8s; none at 10s


# -- the timeout bounds a read in flight, over real HTTP ------------------------------


def test_a_hung_read_cannot_outlive_the_wait(serve):
    emulator = serve(scenario([task("t1", "orders", status="starting")]))
    settings = settings_for(emulator, read_timeout=30.0, deadline=120.0)
    policy = WaitPolicy.build("finished", timeout="2s", interval="1s")
    with MigrationClient(settings) as client:

        def read() -> MetadataTask:
            return client.get_task(INSTANCE_ID, "t1").task

        def hang_from_now(task: MetadataTask, elapsed: float) -> None:
            emulator.set_faults(Faults(hang=100))

        started = time.monotonic()
        with pytest.raises(WaitTimeout, match="'orders' \\(t1\\) is still starting after 2s"):
            wait(read, policy, on_poll=hang_from_now)
    assert 1.9 <= time.monotonic() - started < 2.5
    assert len(emulator.requests) == 2


def test_a_first_read_that_hangs_ends_at_the_timeout_as_unavailable(serve):
    emulator = serve(scenario([task("t1", "orders", status="starting")]), Faults(hang=100))
    settings = settings_for(emulator, read_timeout=30.0, deadline=120.0)
    started = time.monotonic()
    with MigrationClient(settings) as client, pytest.raises(ServiceUnavailable):
        wait(
            lambda: client.get_task(INSTANCE_ID, "t1").task,
            WaitPolicy.build("finished", timeout="1.5s"),
        )
    assert 1.4 <= time.monotonic() - started < 2.0
