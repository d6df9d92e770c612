"""The wait loop with a fake clock (reached, failed, timed out, what 0 means), strict
durations, and over real HTTP: the timeout bounds a read in flight."""

from __future__ import annotations

import time

import pytest

from pulumi_rocketmq_migration import limits
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
    DURATION_GRAMMAR,
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
        self.now = 1000.0  # not 0, so that a clock read the wrong way round shows
        self.start = self.now
        self.reads = 0
        self.sleeps: list[float] = []

    def read(self) -> MetadataTask:
        status = self.statuses[min(self.reads, len(self.statuses) - 1)]
        self.reads += 1
        return MetadataTask(id="t1", name="orders", start_date="d", status=status, type="rocketmq")

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    @property
    def elapsed(self) -> float:
        return self.now - self.start


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
    assert timeline.elapsed == 15


def test_a_fail_on_status_stops_at_once():
    timeline = Timeline("starting", "failed", "finished")
    with pytest.raises(TaskFailed, match="'orders' \\(t1\\) is failed"):
        run(timeline, WaitPolicy.build("finished"))
    assert timeline.reads == 2


def test_the_timeout_names_the_task_and_its_last_status():
    timeline = Timeline("starting")
    with pytest.raises(WaitTimeout, match="'orders' \\(t1\\) is still starting after 60s"):
        run(timeline, WaitPolicy.build("finished", timeout="1m", interval="7s"))
    assert timeline.elapsed == 60


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
    assert (waiting.reads, waiting.elapsed) == (1, 0)
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
    assert (timeline.reads, timeline.elapsed) == (1, 0)
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
    assert timeline.elapsed == 65  # the second read ended past the timeout; it still counts


def test_no_read_is_started_with_no_time_left():
    timeline = Timeline("starting")
    with pytest.raises(WaitTimeout):
        run(timeline, WaitPolicy.build("finished", timeout="10s", interval="4s"))
    assert (timeline.reads, timeline.elapsed) == (3, 10)  # at 0, 4 and 8s; none at 10s


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
            WaitPolicy.build("finished", timeout="0.8s"),
        )
    assert 0.75 <= time.monotonic() - started < 1.2


# -- word for word, and the edges of the loop -------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: parse_duration("timeout", "1h30"), None),
        (
            lambda: parse_duration("timeout", None),
            "timeout: must be a duration such as 90s or 10m, got NoneType",
        ),
        (
            lambda: parse_duration("timeout", [90]),
            "timeout: must be a duration such as 90s or 10m, got list",
        ),
        (
            lambda: WaitPolicy.build("finished", interval=[1]),
            "poll_interval: must be a duration such as 90s or 10m, got list",
        ),
        (lambda: parse_duration("timeout", -1), "timeout: must be a duration of 0 or more, got -1"),
        (lambda: parse_duration("timeout", "169h"), "timeout: must be at most 168h, got '169h'"),
        (
            lambda: parse_duration("timeout", 10**400),
            "timeout: must be at most 168h, got " + "1" + "0" * 56 + "...",
        ),
        (
            lambda: WaitPolicy.build("done"),
            "wait_for: 'done' is not one of creating, starting, failed, finished",
        ),
        (lambda: WaitPolicy.build(7), "wait_for: must be a status or a list of statuses, got 7"),
        (lambda: WaitPolicy.build([]), "wait_for: name at least one status to wait for"),
        (
            lambda: WaitPolicy.build("finished", fail_on="nope"),
            "fail_on: 'nope' is not one of creating, starting, failed, finished",
        ),
        (
            lambda: WaitPolicy.build(["finished", "failed"], fail_on=["failed", "finished"]),
            "fail_on: failed, finished is also in wait_for",
        ),
        (lambda: WaitPolicy.build("finished", timeout="x"), None),
        (
            lambda: WaitPolicy.build("finished", interval="0.5"),
            "poll_interval: must be at least 1s (every read is an API call), got '0.5'",
        ),
    ],
)
def test_refusals_word_for_word(build, message):
    with pytest.raises(InvalidRequest) as caught:
        build()
    if message is None:
        assert str(caught.value).endswith(f"is not a duration: {DURATION_GRAMMAR}")
        assert str(caught.value).startswith("timeout: '")
    else:
        assert str(caught.value) == message


def test_a_number_too_large_for_a_float_is_refused_not_a_crash():
    with pytest.raises(InvalidRequest, match="at most 168h, got a number too large to show"):
        parse_duration("timeout", 10**5000)


def test_the_verdicts():
    policy = WaitPolicy.build("finished", fail_on="creating")
    verdicts = [
        policy.verdict(MetadataTask("t", "n", "d", status, "rocketmq"))
        for status in ("finished", "creating", "failed", "starting", "paused")
    ]
    assert verdicts == ["reached", "failed", "failed", "waiting", "waiting"]


def test_progress_hears_each_read_with_its_elapsed_time():
    timeline = Timeline("creating", "creating", "finished")
    polls: list[tuple[str, float]] = []
    changes: list[tuple[str, float]] = []
    wait(
        timeline.read,
        WaitPolicy.build("finished", interval="3s"),
        on_change=lambda t, e: changes.append((t.status, e)),
        on_poll=lambda t, e: polls.append((t.status, e)),
        clock=lambda: timeline.now,
        sleep=timeline.sleep,
    )
    assert polls == [("creating", 0), ("creating", 3), ("finished", 6)]
    assert changes == [("creating", 0), ("finished", 6)]


def test_a_read_ending_at_the_timeout_ends_the_wait_without_sleeping():
    timeline = SlowRead(10, "starting")
    with pytest.raises(WaitTimeout, match="after 10s waiting for finished or failed"):
        run(timeline, WaitPolicy.build(["finished", "failed"], timeout="10s", interval="5s"))
    assert (timeline.reads, timeline.sleeps) == (1, [])


class FailingRead(Timeline):
    """Reads the script; after it, the service fails, having taken ``took`` seconds."""

    def __init__(self, took: float, *statuses: str) -> None:
        super().__init__(*statuses)
        self.took = took

    def read(self) -> MetadataTask:
        if self.reads >= len(self.statuses):
            self.now += self.took
            raise ServiceUnavailable("no answer")
        return super().read()


def test_a_read_failing_at_the_timeout_reports_the_last_status_read():
    timeline = FailingRead(4, "starting")
    with pytest.raises(WaitTimeout, match="still starting after 10s"):
        run(timeline, WaitPolicy.build("finished", timeout="10s", interval="6s"))


def test_a_read_failing_before_the_timeout_is_the_service_error():
    timeline = FailingRead(3.9, "starting")
    with pytest.raises(ServiceUnavailable):
        run(timeline, WaitPolicy.build("finished", timeout="10s", interval="6s"))


@pytest.mark.parametrize(("timeout", "bounded"), [(0, False), (1, True), (5, True)])
def test_each_read_is_bound_to_the_time_left_except_a_single_check(timeout, bounded):
    seen: list[float] = []

    def read() -> MetadataTask:
        seen.append(limits.deadline_for(10_000) - time.monotonic())
        return MetadataTask("t", "n", "d", "finished", "rocketmq")

    wait(read, WaitPolicy.build("finished", timeout=timeout))
    assert (seen[0] <= timeout + 0.01) is bounded
