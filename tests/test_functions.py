"""The invoke-style functions from a program process, against the emulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from pulumi_rocketmq_migration import get_migration_task, get_migration_tasks
from pulumi_rocketmq_migration.errors import InvalidRequest

from .conftest import ACCESS_KEY, INSTANCE_ID, PROJECT_ID, SECRET_KEY, scenario, task

TOPICS = {f"topic-{i}": {"topicName": f"topic-{i}"} for i in range(3)}


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("HW_ACCESS_KEY", ACCESS_KEY)
    monkeypatch.setenv("HW_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("HW_PROJECT_ID", PROJECT_ID)


def test_get_calls_by_name_share_one_listing(serve, env):
    emulator = serve(scenario(generate={"count": 137}))
    names = [f"task-{i}" for i in range(0, 137, 10)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(
            pool.map(
                lambda n: get_migration_task(INSTANCE_ID, name=n, endpoint=emulator.base_url),
                names,
            )
        )
    assert [r.name for r in found] == names
    pages = [r for r in emulator.requests if ("type", "all") not in r.query]
    assert len(pages) == 3  # one listing of 137 tasks, 50 a page
    # A listing of the set is never a reused one: it reads afresh.
    assert get_migration_tasks(INSTANCE_ID, endpoint=emulator.base_url).total == 137
    assert len([r for r in emulator.requests if ("type", "all") not in r.query]) == 6


def test_get_keeps_counts_unless_names_are_asked(serve, env):
    big = task("t1", "orders", type="rocketmq", metadata={"topicConfigTable": TOPICS})
    emulator = serve(scenario([big]))
    counts = get_migration_task(INSTANCE_ID, "t1", endpoint=emulator.base_url)
    names = get_migration_task(INSTANCE_ID, "t1", endpoint=emulator.base_url, metadata="names")
    assert counts.topics is None and counts.metadata_counts["topics"] == 3
    assert names.topics == ["topic-0", "topic-1", "topic-2"]
    with pytest.raises(InvalidRequest, match="metadata: 'all' is not one of counts, names"):
        get_migration_task(INSTANCE_ID, "t1", endpoint=emulator.base_url, metadata="all")
