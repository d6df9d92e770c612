"""Where users wait: real latency, many lookups, big tasks, big stacks.

Every figure here runs against an emulator subprocess that waits ``LATENCY`` seconds
before each answer (its ``latency_seconds`` fault), a plain cross-region round trip,
and records every request to a file, so that a Pulumi run's requests can be counted.

- ``listing``: N = 10 000 tasks read by our client at concurrency 1, 4 and 8, by the
  official SDK's sequential paging and by a raw requests loop.
- ``names``: K = 1, 5 and 20 by-name ``MigrationTask`` lookups in one ``pulumi preview``.
- ``big``: one task with 10 000 topics and 10 000 groups: the detail answer's size, a
  lookup's outputs and state with ``metadata="counts"`` and ``"names"``, preview time.
- ``stack500``: ``pulumi preview`` and ``up`` of 100 and 500 lookups by id, and the
  peak RSS of each process during ``up``.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pulumi_rocketmq_migration.client import MigrationClient
from pulumi_rocketmq_migration.emulator import Scenario, emulator_process
from pulumi_rocketmq_migration.listing import ListingPolicy, read_listing
from pulumi_rocketmq_migration.outputs import task_outputs
from pulumi_rocketmq_migration.settings import Credentials, Settings

from . import listing as plain
from .common import ACCESS_KEY, PROJECT_ID, REPO_ROOT, SECRET_KEY, TOKEN, median
from .stacks import PeakMemory, Project, pulumi_dir

LATENCY = 0.05
N = 10_000
PAGE = 50
CONCURRENCIES = (1, 4, 8)
NAME_COUNTS = (1, 5, 20)
BIG = 10_000
STACK_SIZES = (100, 500)
LIST_INSTANCE = "scale-instance"
BIG_INSTANCE = "big-instance"
BIG_TASK = "b1600000-0000-4000-8000-000000000001"


def scenario(latency: float) -> dict[str, Any]:
    topics = {f"topic-{i:05d}": {"topicName": f"topic-{i:05d}"} for i in range(BIG)}
    groups = {f"group-{i:05d}": {"groupName": f"group-{i:05d}"} for i in range(BIG)}
    big = {
        "id": BIG_TASK,
        "name": "big-task",
        "start_date": "2024-06-01 00:00:00.00",
        "type": "rocketmq",
        "status": "finished",
        "metadata": {"topicConfigTable": topics, "subscriptionGroupTable": groups},
    }
    return {
        "instances": [
            {"id": LIST_INSTANCE, "generate": {"count": N, "status": "finished"}},
            {"id": BIG_INSTANCE, "tasks": [big]},
        ],
        "faults": {"latency_seconds": latency},
    }


class Record:
    """The emulator's request record (JSON lines), counted between two marks."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def count(self) -> int:
        if not self.path.exists():
            return 0
        with self.path.open("rb") as lines:
            return sum(1 for _ in lines)


@contextmanager
def slow_emulator(workdir: Path, latency: float = LATENCY) -> Iterator[tuple[str, Record]]:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "scale-scenario.json"
    path.write_text(json.dumps(scenario(latency)), encoding="utf-8")
    record = Record(workdir / "scale-requests.jsonl")
    options = ["--access-key", ACCESS_KEY, "--project-id", PROJECT_ID]
    options += ["--scenario", str(path), "--record", str(record.path)]
    with emulator_process(*options, secret_key=SECRET_KEY, tokens=[TOKEN], cwd=REPO_ROOT) as url:
        yield url, record


def _settings(url: str) -> Settings:
    credentials = Credentials(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    return Settings(endpoint=url, project_id=PROJECT_ID, credentials=credentials)


def listing(url: str, reps: int, sdk_reps: int) -> dict[str, Any]:
    """Median seconds, requests and whether the result equals the sequential read."""
    with MigrationClient(_settings(url)) as client:
        truth = [t.id for t in read_listing(client, LIST_INSTANCE, ListingPolicy(1)).tasks]
    rows: dict[str, Any] = {}
    runs: dict[str, list[float]] = {}
    for rep in range(max(reps, sdk_reps)):
        for concurrency in CONCURRENCIES:
            if rep >= reps:
                continue
            name = f"ours-c{concurrency}"
            with MigrationClient(_settings(url)) as client, plain.counting() as counter:
                started = time.perf_counter()
                found = read_listing(client, LIST_INSTANCE, ListingPolicy(concurrency))
                runs.setdefault(name, []).append(time.perf_counter() - started)
            rows[name] = {
                "requests": counter.requests,
                "identical": [t.id for t in found.tasks] == truth,
            }
        for name, maker in (("official", plain.official), ("raw", plain.raw)):
            if rep >= sdk_reps:
                continue
            lister = maker(url)
            with plain.counting() as counter:
                started = time.perf_counter()
                read = lister(LIST_INSTANCE)
                runs.setdefault(name, []).append(time.perf_counter() - started)
            rows[name] = {"requests": counter.requests, "identical": read == len(truth)}
    for name, seconds in runs.items():
        rows[name]["seconds"] = seconds
        rows[name]["median_seconds"] = median(seconds)
    return {"n": N, "latency": LATENCY, "clients": rows}


NAMES_PROGRAM = '''"""Generated by benchmarks: {count} by-name MigrationTask lookups."""

import pulumi

from pulumi_rocketmq_migration import MigrationTask

tasks = [
    MigrationTask(f"task-{{i}}", instance_id={instance!r}, name=name)
    for i, name in enumerate({names!r})
]
pulumi.export("first", tasks[0].status)
'''

BIG_PROGRAM = '''"""Generated by benchmarks: one lookup of a task with many topics and groups."""

import pulumi

from pulumi_rocketmq_migration import MigrationTask

task = MigrationTask("big", instance_id={instance!r}, task_id={task!r}, metadata={metadata!r})
pulumi.export("counts", task.metadata_counts)
'''

IDS_PROGRAM = '''"""Generated by benchmarks: {count} MigrationTask lookups by id."""

import pulumi

from pulumi_rocketmq_migration import MigrationTask

tasks = [
    MigrationTask(f"task-{{i}}", instance_id={instance!r}, task_id=task_id)
    for i, task_id in enumerate({ids!r})
]
pulumi.export("first", tasks[0].status)
'''


def _project(root: Path, name: str, url: str, source: str) -> Project:
    project = Project(root, name, pulumi_dir(), url)
    project.write(source)
    project.new_stack("s")
    return project


def _timed(project: Project, *args: str) -> float:
    started = time.perf_counter()
    project.run(*args, "--stack", "s")
    return time.perf_counter() - started


def names(root: Path, url: str, record: Record, reps: int) -> dict[str, Any]:
    """K by-name lookups on the N-task instance in one preview: requests and wall time."""
    rows: dict[str, Any] = {}
    for count in NAME_COUNTS:
        wanted = [f"task-{i}" for i in range(0, N, N // count)][:count]
        source = NAMES_PROGRAM.format(count=count, instance=LIST_INSTANCE, names=wanted)
        project = _project(root, f"names-{count}", url, source)
        seconds, sent = [], []
        for _ in range(reps):
            before = record.count()
            seconds.append(_timed(project, "preview"))
            sent.append(record.count() - before)
        rows[str(count)] = {"seconds": seconds, "median_seconds": median(seconds), "requests": sent}
    return rows


def big(root: Path, url: str, record: Record) -> dict[str, Any]:
    """A task of 10 000 topics and 10 000 groups, kept as counts or as names."""
    settings = _settings(url)
    with MigrationClient(settings) as client, plain.counting() as counter:
        started = time.perf_counter()
        detail = client.get_task(BIG_INSTANCE, BIG_TASK, kind="all")
        read_seconds = time.perf_counter() - started
    result: dict[str, Any] = {"response_bytes": counter.bytes, "read_seconds": read_seconds}
    for metadata in ("counts", "names"):
        outputs = task_outputs(
            detail.task, detail.metadata, BIG_INSTANCE, settings, metadata == "names"
        )
        source = BIG_PROGRAM.format(instance=BIG_INSTANCE, task=BIG_TASK, metadata=metadata)
        project = _project(root, f"big-{metadata}", url, source)
        preview_empty = _timed(project, "preview")
        up = _timed(project, "up", "--yes")
        preview_again = _timed(project, "preview")
        export = project.run("stack", "export", "--stack", "s")
        resources = json.loads(export)["deployment"]["resources"]
        lookup = next(r for r in resources if r["type"].endswith("MigrationTask"))
        result[metadata] = {
            "output_bytes": len(json.dumps(outputs)),
            "state_bytes": len(export.encode()),
            "resource_state_bytes": len(json.dumps(lookup)),
            "preview_empty_seconds": preview_empty,
            "up_seconds": up,
            "preview_again_seconds": preview_again,
        }
    return result


def stack(root: Path, url: str, ids: Sequence[str]) -> dict[str, Any]:
    """Preview and up of K lookups by id; peak RSS of each process during up."""
    rows: dict[str, Any] = {}
    for count in STACK_SIZES:
        source = IDS_PROGRAM.format(count=count, instance=LIST_INSTANCE, ids=list(ids[:count]))
        project = _project(root, f"stack-{count}", url, source)
        preview = _timed(project, "preview")
        process = project.start("up", "--yes", "--stack", "s")
        started = time.perf_counter()
        with PeakMemory(process.pid) as peaks:
            project.finish(process, "up --yes")
        up = time.perf_counter() - started
        rows[str(count)] = {
            "preview_seconds": preview,
            "up_seconds": up,
            "provider_kib": peaks.peak("pulumi.dynamic"),
            "program_kib": peaks.peak("pulumi_language_python_exec"),
            "engine_kib": peaks.peak(project.pulumi + " "),
        }
    return rows


def task_ids(count: int) -> list[str]:
    loaded = Scenario.from_dict(scenario(0.0))
    tasks = loaded.instances[LIST_INSTANCE].tasks
    return [tasks[i].id for i in range(count)]


def run(root: Path, parts: set[str], quick: bool) -> dict[str, Any]:
    results: dict[str, Any] = {"latency": LATENCY}
    with slow_emulator(root / "scale") as (url, record):
        if "listing" in parts:
            results["listing"] = listing(url, reps=1 if quick else 3, sdk_reps=1)
        if "names" in parts:
            results["names"] = names(root, url, record, reps=1 if quick else 2)
        if "big" in parts:
            results["big"] = big(root, url, record)
    if "stack500" in parts:
        # Loopback without latency: the cost of the engine and the processes, not the network.
        with slow_emulator(root / "stack500", latency=0.0) as (url, _):
            results["stack500"] = stack(root, url, task_ids(max(STACK_SIZES)))
    return results


# -- report ----------------------------------------------------------------------------


def targets(results: Mapping[str, Any]) -> list[tuple[str, bool | None, str]]:
    found: list[tuple[str, bool | None, str]] = []
    rows = results.get("listing", {}).get("clients")
    if rows:
        ours, sdk = rows["ours-c8"], rows["official"]
        ratio = ours["median_seconds"] / sdk["median_seconds"]
        pages = math.ceil(N / PAGE)
        found.append(
            (
                "listing 10 000 at 50 ms, concurrency 8: <= 0.15x the official SDK, same "
                "result, <= ceil(N/page) + 2 requests",
                ratio <= 0.15 and ours["identical"] and ours["requests"] <= pages + 2,
                f"{ratio:.3f}x ({ours['median_seconds']:.2f} s vs "
                f"{sdk['median_seconds']:.2f} s), {ours['requests']} requests "
                f"(ceil = {pages}), identical: {ours['identical']}",
            )
        )
    by_name = results.get("names")
    if by_name and "1" in by_name and "20" in by_name:
        one, twenty = by_name["1"], by_name["20"]
        ratio = twenty["median_seconds"] / one["median_seconds"]
        sent = max(twenty["requests"])
        found.append(
            (
                "20 by-name lookups in one preview: <= 250 requests, <= 1.5x one lookup",
                sent <= 250 and ratio <= 1.5,
                f"{sent} requests; {twenty['median_seconds']:.2f} s vs "
                f"{one['median_seconds']:.2f} s = {ratio:.2f}x",
            )
        )
    stack500 = results.get("stack500")
    if stack500:
        small, large = stack500["100"]["provider_kib"], stack500["500"]["provider_kib"]
        ok = small is not None and large is not None and large <= 1.5 * small
        found.append(
            (
                "provider peak RSS at 500 lookups <= 1.5x at 100",
                ok,
                f"{(large or 0) / 1024:.1f} MiB vs {(small or 0) / 1024:.1f} MiB",
            )
        )
    return found


def markdown(results: Mapping[str, Any]) -> list[str]:
    lines: list[str] = []
    rows = results.get("listing", {}).get("clients")
    if rows:
        sdk = rows["official"]["median_seconds"]
        lines += [
            f"Listing N = {N:,} tasks at {LATENCY * 1000:.0f} ms per request (median wall s):",
            "",
            "| client | seconds | x official SDK | requests | same result | reps |",
            "|---|---:|---:|---:|---|---:|",
        ]
        for name, row in rows.items():
            lines.append(
                f"| {name} | {row['median_seconds']:.2f} | {row['median_seconds'] / sdk:.3f} "
                f"| {row['requests']} | {row['identical']} | {len(row['seconds'])} |"
            )
        lines.append("")
    by_name = results.get("names")
    if by_name:
        lines += [
            f"K by-name lookups on that instance in one `pulumi preview` "
            f"({LATENCY * 1000:.0f} ms per request):",
            "",
            "| K | preview s | requests (emulator record) |",
            "|---:|---:|---:|",
        ]
        for k, row in by_name.items():
            sent = ", ".join(str(n) for n in row["requests"])
            lines.append(f"| {k} | {row['median_seconds']:.2f} | {sent} |")
        lines.append("")
    found = results.get("big")
    if found:
        lines += [
            f"One task with {BIG:,} topics and {BIG:,} groups: detail answer "
            f"{found['response_bytes'] / 1024:.0f} KiB, read in {found['read_seconds']:.2f} s.",
            "",
            "| metadata | outputs KiB | lookup in state KiB | state KiB | preview (empty) s "
            "| up s | preview again s |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind in ("counts", "names"):
            row = found[kind]
            lines.append(
                f"| {kind} | {row['output_bytes'] / 1024:.1f} | "
                f"{row['resource_state_bytes'] / 1024:.1f} | {row['state_bytes'] / 1024:.1f} | "
                f"{row['preview_empty_seconds']:.2f} | {row['up_seconds']:.2f} | "
                f"{row['preview_again_seconds']:.2f} |"
            )
        lines.append("")
    stack500 = results.get("stack500")
    if stack500:
        lines += [
            "Lookups by id (loopback): preview, up, and peak RSS MiB during up:",
            "",
            "| K | preview s | up s | provider | program | engine |",
            "|---:|---:|---:|---:|---:|---:|",
        ]
        for k, row in stack500.items():
            mib = [
                f"{row[key] / 1024:.1f}" if row[key] else "-"
                for key in ("provider_kib", "program_kib", "engine_kib")
            ]
            lines.append(
                f"| {k} | {row['preview_seconds']:.2f} | {row['up_seconds']:.2f} | "
                + " | ".join(mib)
                + " |"
            )
        lines.append("")
    return lines
