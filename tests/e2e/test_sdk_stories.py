"""Users' stories in TypeScript and Go, written against the typed SDKs (issue 17).

Neither language has its language host here, so each program runs as an Automation API inline
program (tests/e2e/nodejs/run.ts, tests/e2e/go/main.go) under the pinned CLI, with the plugin
from this checkout (``plugins: providers:`` in the project settings) against the emulator. The
TypeScript runner is built once a session from the npm package `make sdk` packed in dist/, the
Go runner against sdk/go/rocketmqmigration through a ``replace``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from harness import EXAMPLES_DIR, REPO_ROOT, SCRIPTS_DIR, diagnostics, project_env
from test_yaml_stories import (
    ACCESS_KEY,
    FAILED,
    PROJECT_ID,
    SECRET_KEY,
    _scenario,
    only_gets,
    wave_id,
)

from pulumi_rocketmq_migration._version import __version__
from pulumi_rocketmq_migration.emulator import Emulator, Scenario

pytestmark = pytest.mark.e2e

E2E_DIR = Path(__file__).resolve().parent
TARBALL = REPO_ROOT / "dist" / f"pulumi-rocketmq-migration-{__version__}.tgz"
NPM = ("--no-audit", "--no-fund", "--prefer-offline")
BUILD_TIMEOUT = 900
GATES = 12
ORDERS_NAME = "task-rabbit-orders"
SYNC = "2b7e9a41-5c3d-4f8e-a1b2-93c4d5e6f708"


def twelve_waves(finish_after: float) -> Emulator:
    """The demo instance plus twelve tasks wave-0..11 that finish together, finish_after
    seconds after the emulator starts: long enough for a runner to start on a busy machine."""
    base = json.loads(
        resources.files("pulumi_rocketmq_migration.emulator").joinpath("demo.json").read_text()
    )
    base["instances"][0]["tasks"].extend(
        {
            "id": wave_id(index),
            "name": f"wave-{index}",
            "start_date": "2024-06-01 00:00:00.00",
            "type": "rocketmq",
            "timeline": [
                {"status": "starting"},
                {"status": "finished", "after_seconds": finish_after},
            ],
        }
        for index in range(GATES)
    )
    scenario = Scenario.from_dict(base)
    return Emulator(scenario, access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        message = f"`{tool}` is not on PATH; the SDK stories need Node 20 with npm, and Go"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def _run(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = BUILD_TIMEOUT
) -> str:
    """Run cmd, which must succeed; its stdout."""
    done = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def ts_runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/e2e/nodejs with the packed SDK installed and the example beside the stories."""
    npm = _need("npm")
    if not TARBALL.is_file():
        message = f"{TARBALL} is missing: run `make sdk` (make test does)"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("ts-runner")
    for name in ("package.json", "package-lock.json", "tsconfig.json", "run.ts", "stories.ts"):
        shutil.copy2(E2E_DIR / "nodejs" / name, work / name)
    (work / "examples").mkdir()
    shutil.copy2(EXAMPLES_DIR / "typescript-gate" / "index.ts", work / "examples" / "gate.ts")
    _run([npm, "ci", *NPM], work)
    _run([npm, "install", "--no-save", *NPM, str(TARBALL)], work)  # as a user installs it
    _run([npm, "exec", "--", "tsc"], work)
    return work


@pytest.fixture(scope="session")
def go_runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/e2e/go built against this checkout's Go SDK, the example's program included."""
    go = _need("go")
    work = tmp_path_factory.mktemp("go-runner")
    for source in (E2E_DIR / "go").iterdir():
        shutil.copy2(source, work / source.name)
    example = (EXAMPLES_DIR / "go-gate" / "main.go").read_text()
    # The example's program function joins the stories; its main (pulumi.Run) is dropped.
    example = example.replace("func main() {", "func exampleMain() {", 1)
    example += '\nfunc init() { stories["example"] = program }\n'
    (work / "example.go").write_text(example)
    sdk = REPO_ROOT / "sdk" / "go" / "rocketmqmigration"
    module = "github.com/rocketmq-migration/pulumi-rocketmq-migration/sdk/go/rocketmqmigration"
    _run([go, "mod", "edit", f"-replace={module}={sdk}"], work)
    _run([go, "build", "-o", "runner", "."], work)
    return work / "runner"


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    scenario = _scenario(limit_cap=10)  # the YAML stories' tasks, pages cut to 10
    with Emulator(
        scenario, access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID
    ) as running:
        yield running


class Stack:
    """One stack of inline programs: its backend, Pulumi home and the runner's job."""

    def __init__(self, pulumi_cli: Path, root: Path, emulator: Emulator, language: str) -> None:
        self.root = root
        self.state = root / "state"
        for d in (self.state, root / "home"):
            d.mkdir(parents=True, exist_ok=True)
        self.env = project_env(pulumi_cli, self.state, root / "home")
        self.env.update(E2E_ACCESS_KEY=ACCESS_KEY, E2E_SECRET_KEY=SECRET_KEY)
        self.language = language
        self.project = f"sdk-{language}"
        self.config: dict[str, dict[str, Any]] = {
            "rocketmq-migration:dmsEndpoint": {"value": emulator.base_url},
            "rocketmq-migration:projectId": {"value": PROJECT_ID},
            "rocketmq-migration:accessKey": {"value": ACCESS_KEY, "secret": True},
            "rocketmq-migration:secretKey": {"value": SECRET_KEY, "secret": True},
            "e2e:endpoint": {"value": emulator.base_url},
            "e2e:projectId": {"value": PROJECT_ID},
        }

    def run(
        self, runner: Path, op: str, story: str = "", module: str = "", parallel: int = 0
    ) -> dict[str, Any]:
        job = {
            "parallel": parallel,
            "story": story,
            "module": module,
            "op": op,
            "projectName": self.project,
            "stackName": "e2e",
            "pluginDir": str(SCRIPTS_DIR),
            "config": self.config,
        }
        job_file, result_file = self.root / "job.json", self.root / "result.json"
        job_file.write_text(json.dumps(job))
        result_file.unlink(missing_ok=True)
        cmd = ["node", str(runner / "bin" / "run.js")] if self.language == "ts" else [str(runner)]
        _run([*cmd, str(job_file), str(result_file)], self.root, self.env, timeout=300)
        return dict(json.loads(result_file.read_text()))

    def export_as_stored(self) -> dict[str, Any]:
        """`pulumi stack export` without --show-secrets (the runner's export shows them)."""
        stack = f"organization/{self.project}/e2e"
        exported = _run(["pulumi", "stack", "export", "--stack", stack], self.root, self.env)
        return dict(json.loads(exported))

    def state_files(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in sorted(self.state.rglob("*")) if p.is_file()
        )


LANGUAGES = ["ts", "go"]


@pytest.fixture(params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def runner(request: pytest.FixtureRequest, language: str) -> Path:
    return Path(request.getfixturevalue("ts_runner" if language == "ts" else "go_runner"))


@pytest.fixture
def stack(pulumi_cli: Path, tmp_path: Path, emulator: Emulator, language: str) -> Stack:
    return Stack(pulumi_cli, tmp_path, emulator, language)


def succeeded(result: dict[str, Any]) -> dict[str, Any]:
    assert result["ok"], result.get("error", "") + result.get("stdout", "")
    return result


def test_a_preview_reads_live_and_never_waits_and_up_waits(stack, runner, emulator):
    preview = succeeded(stack.run(runner, "preview", "gate"))
    assert preview["seconds"] < 30
    assert re.search(r'status\s*: "creating"', preview["stdout"]), preview["stdout"]
    own = diagnostics(preview["stdout"])["rocketmq-migration:index:MigrationTask (live)"]
    assert any("`pulumi up` will wait for finished" in line for line in own), own
    up = succeeded(stack.run(runner, "up", "gate"))
    assert up["outputs"] == {"status": "finished", "finished": True, "name": "task-rocket-live"}
    only_gets(emulator)


def test_lookups_by_id_by_name_and_a_listing_under_a_silent_cap(stack, runner, emulator):
    outputs = succeeded(stack.run(runner, "up", "lookups"))["outputs"]
    assert outputs["byIdName"] == ORDERS_NAME and outputs["byIdStatus"] == "finished"
    assert outputs["queues"] == 4
    assert outputs["byNameId"] == SYNC
    assert outputs["total"] == outputs["distinctIds"] == 230, "pages cut to 10, all read"
    assert outputs["firstListed"].startswith("bulk-")
    assert FAILED in outputs["rabbitIds"] and SYNC not in outputs["rabbitIds"]
    only_gets(emulator)


def test_a_set_gate_waits_for_every_matching_task(stack, runner, emulator):
    outputs = succeeded(stack.run(runner, "up", "set"))["outputs"]
    assert outputs["total"] == 2 + 16, "sync, live and the sixteen waves"
    counts = outputs["statusCounts"]
    assert counts["finished"] == outputs["total"] and sum(counts.values()) == outputs["total"]
    assert len(outputs["ids"]) == outputs["total"]
    only_gets(emulator)


def test_a_failed_task_gives_one_clean_error_and_its_dependents_are_not_created(
    stack, runner, emulator
):
    for op in ("preview", "up"):
        result = stack.run(runner, op, "failed")
        assert not result["ok"]
        own = diagnostics(result["stdout"])["rocketmq-migration:index:MigrationTask (legacy)"]
        errors = [line for line in own if line.startswith("error:")]
        assert len(errors) == 1, own
        assert "migration task 'task-rabbit-legacy'" in errors[0] and "is failed" in errors[0]
        assert "Traceback" not in result["stdout"] + result["error"]
    types = {r["type"] for r in result["deployment"].get("resources") or []}
    assert "rocketmq-migration:index:MigrationTasks" not in types, "the dependent was not created"
    only_gets(emulator)


BAD_TS = """import * as rocketmq from "pulumi-rocketmq-migration";
new rocketmq.MigrationTask("typo", { instanceId: "i", waitFor: ["done"] });
new rocketmq.MigrationTask("case", { instanceID: "i" });
"""

BAD_GO = """package main

import (
	rmq "github.com/rocketmq-migration/pulumi-rocketmq-migration/sdk/go/rocketmqmigration"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		_, err := rmq.NewMigrationTask(ctx, "typo", &rmq.MigrationTaskArgs{
			InstanceId: pulumi.String("i"),
			TaskId:     "x",
			WaitFor:    []string{"finished"},
		})
		return err
	})
}
"""


def test_a_bad_argument_is_a_compile_error(runner, language):
    if language == "ts":
        (runner / "bad.ts").write_text(BAD_TS)
        flags = ["--noEmit", "--strict", "--module", "commonjs", "--moduleResolution", "node"]
        cmd, cwd = ["npm", "exec", "--", "tsc", *flags, "bad.ts"], runner
        wanted = ["Type '\"done\"' is not assignable to type", "'instanceID' does not exist"]
    else:
        cwd = runner.parent / "bad"
        cwd.mkdir(exist_ok=True)
        (cwd / "main.go").write_text(BAD_GO)
        cmd = ["go", "build", "-o", os.devnull, "."]
        wanted = ['cannot use "x"', "StringPtrInput", "TaskStatusArrayInput"]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0
    for text in wanted:
        assert text in done.stdout + done.stderr, done.stdout + done.stderr


def readme_program(fence: str) -> str:
    """The README's minimal program in one language; docs/_index.md shows the same one."""
    programs = []
    for page in ("README.md", "docs/_index.md"):
        match = re.search(rf"```{fence}\n(.*?)```", (REPO_ROOT / page).read_text(), re.S)
        assert match, f"no {fence} program in {page}"
        programs.append(match[1])
    assert programs[0] == programs[1], f"the {fence} program of README.md and docs/_index.md"
    return programs[0]


def test_the_readme_programs_compile(runner, language):
    if language == "ts":
        (runner / "readme.ts").write_text(readme_program("typescript"))
        flags = ["--noEmit", "--strict", "--module", "commonjs", "--moduleResolution", "node"]
        _run(["npm", "exec", "--", "tsc", *flags, "readme.ts"], runner)
    else:
        cwd = runner.parent / "readme"
        cwd.mkdir(exist_ok=True)
        (cwd / "main.go").write_text(readme_program("go"))
        _run(["go", "vet", "."], cwd)


def test_a_bad_argument_past_the_compiler_is_refused_naming_it(stack, runner, emulator):
    result = stack.run(runner, "preview", "bad")
    assert not result["ok"]
    text = result["stdout"] + result["error"]
    assert "waitFor" in text and "done" in text, text
    assert "Traceback" not in text
    assert not emulator.requests, "bad input is refused before anything is sent"


def test_twelve_gates_waiting_at_once_take_about_as_long_as_one(stack, runner, emulator):
    """Every gate's first read comes before the tasks finish: none waits for another's slot."""
    emulator.stop()
    finish_after = 25.0
    with twelve_waves(finish_after) as waves:
        stack.config["rocketmq-migration:dmsEndpoint"] = {"value": waves.base_url}
        began = time.time()  # the tasks' clock started a moment ago, with the emulator
        result = succeeded(stack.run(runner, "up", "twelve", parallel=32))
        records = waves.requests
    assert result["outputs"]["statuses"] == ["finished"] * GATES
    first_read: dict[str, float] = {}
    for record in records:
        first_read.setdefault(dict(record.query).get("id", ""), record.time)
    gates = [t for t in first_read if t.startswith("000")]
    assert len(gates) == GATES, first_read
    latest = max(first_read[t] for t in gates) - began
    assert latest < finish_after, f"the last gate began {latest:.1f}s in: it waited for a slot"
    assert result["seconds"] < finish_after + 10, "about one gate's wait, not twelve"
    assert {r.method for r in records} == {"GET"}


def test_keys_in_secret_config_or_given_to_a_provider_are_never_in_clear(stack, runner, emulator):
    result = succeeded(stack.run(runner, "up", "provider"))
    assert set(result["outputs"].values()) == {"finished"} and len(result["outputs"]) == 3
    stored = stack.export_as_stored()
    for text in (json.dumps(stored), result["stdout"], stack.state_files()):
        assert SECRET_KEY not in text and ACCESS_KEY not in text
    providers = [
        r for r in stored["deployment"]["resources"] if r["type"].startswith("pulumi:providers:")
    ]
    explicit = next(r for r in providers if r["urn"].endswith("::keys"))
    for key in ("accessKey", "secretKey"):
        assert "ciphertext" in explicit["inputs"][key], explicit["inputs"]
        assert "ciphertext" in explicit["outputs"][key], explicit["outputs"]
    assert explicit["inputs"]["maxRetries"] == 2 and explicit["inputs"]["insecure"] is False
    default = next(r for r in providers if "::default" in r["urn"])
    assert "ciphertext" in default["inputs"]["secretKey"], default["inputs"]
    only_gets(emulator)


def test_the_example_program_runs_inline(stack, runner, emulator, language):
    module = str(runner / "bin" / "examples" / "gate.js") if language == "ts" else ""
    story = "" if module else "example"
    stack.config[f"{stack.project}:pollInterval"] = {"value": "1s"}
    preview = succeeded(stack.run(runner, "preview", story, module))
    assert re.search(r'migrationStatus\s*: "creating"', preview["stdout"]), preview["stdout"]
    outputs = succeeded(stack.run(runner, "up", story, module))["outputs"]
    assert outputs["migrationStatus"] == "finished"
    assert outputs["finishedAfterCutover"] >= 3
    only_gets(emulator)
