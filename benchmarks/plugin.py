"""The provider plugin against its baselines, side by side in one run (issue 16).

- ``startup``: the plugin's own start (process to port line), and the preview of a YAML stack
  with one function against the preview of an empty YAML stack.
- ``gates``: ``pulumi up`` of 16 gates that wait at once against 1 gate, through the plugin
  (YAML) and through the dynamic provider (Python), whose process serves four reads at a time.
  Each gate's task finishes after a fixed number of reads, polled every second, so a gate
  that waits alone takes the same time as one that waits with fifteen others. The engine
  runs 8 steps at once by default on a 2-CPU machine (4 per CPU), so these runs pass
  ``--parallel 64``: what is measured is the provider's limit, not the engine's.
- ``invoke``: one read through the plugin's Invoke against one read through the dynamic
  provider's Read, both over gRPC to their own process, at 50 ms latency.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pulumi_rocketmq_migration.emulator import emulator_process

from .common import ACCESS_KEY, PROJECT_ID, REPO_ROOT, SECRET_KEY, median
from .stacks import Project, pulumi_dir

INSTANCE = "plugin-bench-instance"
GATES = 16
READS_TO_FINISH = 6
LATENCY = 0.05
SCRIPTS = Path(sys.executable).parent
GET_TASK = "rocketmq-migration:index:getMigrationTask"
PLUGINS = f"plugins:\n  providers:\n    - name: rocketmq-migration\n      path: {SCRIPTS}\n"


def _task(task_id: str, timeline: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": task_id,
        "name": f"task-{task_id}",
        "start_date": "2024-06-01 00:00:00.00",
        "type": "rocketmq",
    }
    if timeline:
        entry["timeline"] = [
            {"status": "starting"},
            {"status": "finished", "after_reads": READS_TO_FINISH},
        ]
    else:
        entry["status"] = "finished"
    return entry


def _ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{index:04d}" for index in range(count)]


@contextmanager
def _emulator(workdir: Path, tasks: list[dict[str, Any]], latency: float) -> Iterator[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "scenario.json"
    scenario = {"instances": [{"id": INSTANCE, "tasks": tasks}]}
    scenario["faults"] = {"latency_seconds": latency}  # type: ignore[assignment]
    path.write_text(json.dumps(scenario), encoding="utf-8")
    options = ["--access-key", ACCESS_KEY, "--project-id", PROJECT_ID, "--scenario", str(path)]
    with emulator_process(*options, secret_key=SECRET_KEY, cwd=REPO_ROOT) as url:
        yield url


class YamlProject(Project):
    """A YAML program on the plugin, its keys in its own stack config."""

    def write(self, source: str) -> None:
        (self.dir / "Pulumi.yaml").write_text(
            f"name: {self.dir.name}\nruntime: yaml\n{PLUGINS}{source}"
        )

    def new_stack(self, stack: str) -> None:
        self.run("stack", "init", stack)
        for key, value in (("dmsEndpoint", self.url), ("projectId", PROJECT_ID)):
            self.run("config", "set", "--stack", stack, f"rocketmq-migration:{key}", value)


def _timed(project: Project, *args: str) -> float:
    started = time.perf_counter()
    project.run(*args, "--stack", "s")
    return time.perf_counter() - started


def _project(kind: type[Project], root: Path, name: str, url: str, source: str) -> Project:
    project = kind(root, name, pulumi_dir(), url)
    project.write(source)
    project.new_stack("s")
    return project


def plugin_start_seconds(reps: int) -> list[float]:
    """From spawning the plugin to reading its port line, as the engine does."""
    seconds = []
    for _ in range(reps):
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(SCRIPTS / "pulumi-resource-rocketmq-migration")],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        process.stdout.readline()
        seconds.append(time.perf_counter() - started)
        process.terminate()
        process.wait()
    return seconds


def startup(root: Path, reps: int) -> dict[str, Any]:
    with _emulator(root / "startup", [_task("t-0000", timeline=False)], 0.0) as url:
        function = f"""variables:
  one:
    fn::invoke:
      function: rocketmq-migration:getMigrationTask
      arguments:
        instanceId: {INSTANCE}
        taskId: t-0000
outputs:
  status: ${{one.status}}
"""
        empty = _project(YamlProject, root, "yaml-empty", url, "outputs:\n  nothing: none\n")
        one = _project(YamlProject, root, "yaml-one", url, function)
        empty_s = [_timed(empty, "preview") for _ in range(reps)]
        one_s = [_timed(one, "preview") for _ in range(reps)]
    return {
        "plugin_start_seconds": median(plugin_start_seconds(reps * 2)),
        "empty_preview_seconds": median(empty_s),
        "function_preview_seconds": median(one_s),
        "overhead_seconds": median(one_s) - median(empty_s),
    }


def _yaml_gates(ids: list[str]) -> str:
    return "resources:\n" + "".join(
        f"""  gate{index}:
    type: rocketmq-migration:MigrationTask
    properties:
      instanceId: {INSTANCE}
      taskId: {task_id}
      waitFor: [finished]
      pollInterval: 1s
"""
        for index, task_id in enumerate(ids)
    )


def _python_gates(ids: list[str]) -> str:
    return (
        "from pulumi_rocketmq_migration import MigrationTask\n"
        f"for index, task_id in enumerate({ids!r}):\n"
        f"    MigrationTask(f'gate{{index}}', instance_id={INSTANCE!r}, task_id=task_id,\n"
        "                  wait_for='finished', poll_interval='1s')\n"
    )


def gates(root: Path, reps: int) -> dict[str, Any]:
    """Median ``up`` seconds of 1 and of 16 waiting gates, per face; fresh tasks each run."""
    faces = {"plugin": (YamlProject, _yaml_gates), "dynamic": (Project, _python_gates)}
    plan = {
        (face, count, rep): _ids(f"{face}-{count}-{rep}", count)
        for face in faces
        for count in (1, GATES)
        for rep in range(reps)
    }
    tasks = [_task(t, timeline=True) for ids in plan.values() for t in ids]
    rows: dict[str, Any] = {}
    with _emulator(root / "gates", tasks, 0.0) as url:
        for face, (kind, source) in faces.items():
            for count in (1, GATES):
                seconds = []
                for rep in range(reps):
                    name = f"gates-{face}-{count}-{rep}"
                    project = _project(kind, root, name, url, source(plan[(face, count, rep)]))
                    seconds.append(_timed(project, "up", "--yes", "--parallel", "64"))
                rows[f"{face}-{count}"] = {"seconds": seconds, "median_seconds": median(seconds)}
    for face in faces:
        one, many = rows[f"{face}-1"], rows[f"{face}-{GATES}"]
        rows[f"{face}-ratio"] = many["median_seconds"] / one["median_seconds"]
    return rows


@contextmanager
def _served(command: list[str], env: Mapping[str, str]) -> Iterator[Any]:
    import grpc
    from pulumi.runtime.proto import provider_pb2_grpc

    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=dict(env))
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    try:
        yield provider_pb2_grpc.ResourceProviderStub(channel)
    finally:
        channel.close()
        process.terminate()
        process.wait()


def invoke(root: Path, reps: int) -> dict[str, Any]:
    """One by-id read per call, through each face's own process, at 50 ms latency."""
    from google.protobuf import struct_pb2
    from pulumi.dynamic.dynamic import serialize_provider
    from pulumi.runtime.proto import provider_pb2

    from pulumi_rocketmq_migration.provider import PROVIDER

    ids = _ids("invoke", reps)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HW_", "HUAWEICLOUD_"))}
    env.update(HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY, HW_PROJECT_ID=PROJECT_ID)
    env["HW_METADATA_ENDPOINT"] = "http://127.0.0.1:1"

    def struct(**values: Any) -> Any:
        message = struct_pb2.Struct()
        message.update(values)
        return message

    rows: dict[str, Any] = {}
    with _emulator(root / "invoke", [_task(t, timeline=False) for t in ids], LATENCY) as url:
        plugin = [str(SCRIPTS / "pulumi-resource-rocketmq-migration")]
        with _served(plugin, env) as stub:
            stub.Configure(provider_pb2.ConfigureRequest(args=struct()))
            seconds = []
            for task_id in ids:
                args = struct(instanceId=INSTANCE, taskId=task_id, endpoint=url)
                started = time.perf_counter()
                stub.Invoke(provider_pb2.InvokeRequest(tok=GET_TASK, args=args))
                seconds.append(time.perf_counter() - started)
            rows["plugin_invoke"] = {"seconds": seconds, "median_seconds": median(seconds)}
        dynamic = [sys.executable, "-m", "pulumi.dynamic", "127.0.0.1:1"]
        pickled = serialize_provider(PROVIDER)
        with _served(dynamic, env) as stub:
            stub.Configure(provider_pb2.ConfigureRequest(args=struct()))
            seconds = []
            for task_id in ids:
                props = struct(
                    __provider=pickled,
                    __lookup="task",
                    __preview=True,
                    instance_id=INSTANCE,
                    task_id=task_id,
                    endpoint=url,
                )
                started = time.perf_counter()
                stub.Read(provider_pb2.ReadRequest(id=f"{INSTANCE}/{task_id}", properties=props))
                seconds.append(time.perf_counter() - started)
            rows["dynamic_read"] = {"seconds": seconds, "median_seconds": median(seconds)}
    rows["ratio"] = rows["plugin_invoke"]["median_seconds"] / rows["dynamic_read"]["median_seconds"]
    return rows


def run(root: Path, quick: bool) -> dict[str, Any]:
    return {
        "startup": startup(root / "startup", reps=2 if quick else 5),
        "gates": gates(root / "gates", reps=1 if quick else 3),
        "invoke": invoke(root / "invoke", reps=10 if quick else 40),
    }


def targets(results: Mapping[str, Any]) -> list[tuple[str, bool | None, str]]:
    found: list[tuple[str, bool | None, str]] = []
    start = results.get("startup")
    if start:
        overhead = start["overhead_seconds"]
        found.append(
            (
                "plugin start-up: <= 1.0 s over an empty YAML stack's preview",
                overhead <= 1.0,
                f"{overhead:.2f} s ({start['function_preview_seconds']:.2f} s vs "
                f"{start['empty_preview_seconds']:.2f} s); the plugin prints its port "
                f"{start['plugin_start_seconds']:.2f} s after it is started",
            )
        )
    rows = results.get("gates")
    if rows:
        found.append(
            (
                f"{GATES} gates waiting at once: <= 1.5x one gate (plugin)",
                rows["plugin-ratio"] <= 1.5,
                f"{rows['plugin-ratio']:.2f}x ({rows[f'plugin-{GATES}']['median_seconds']:.1f} s "
                f"vs {rows['plugin-1']['median_seconds']:.1f} s); the dynamic provider: "
                f"{rows['dynamic-ratio']:.2f}x",
            )
        )
    calls = results.get("invoke")
    if calls:
        found.append(
            (
                "one invoke through the plugin: <= 1.1x a dynamic-provider read at 50 ms",
                calls["ratio"] <= 1.1,
                f"{calls['ratio']:.2f}x ({calls['plugin_invoke']['median_seconds'] * 1000:.0f} ms "
                f"vs {calls['dynamic_read']['median_seconds'] * 1000:.0f} ms)",
            )
        )
    return found


def markdown(results: Mapping[str, Any]) -> list[str]:
    lines = ["", "### The provider plugin (issue 16)", "", "| target | result | figures |"]
    lines.append("|---|---|---|")
    for name, passed, figures in targets(results):
        verdict = "PASS" if passed else ("MISS" if passed is False else "n/a")
        lines.append(f"| {name} | {verdict} | {figures} |")
    return lines
