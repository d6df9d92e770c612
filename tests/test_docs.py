"""docs/ and the README: the reference is the schema's, and every shell block is run or marked.

The reference pages (docs/reference/*.md) must be what scripts/gen_docs.py writes today, and
are also read as tables and compared with schema/schema.json on their own terms (every
property, its type, required and secret flags and description), so a generator that writes
the wrong thing consistently is caught too.

Every fenced shell block in the README and docs/ carries a mark on the line above it: either
``<!-- run by: tests/<file>.py::<test>, ... -->`` (a test that reads that page and runs the
block, or a file such as .ci/run that holds the block's command) or
``<!-- example for a real cloud -->``. The tests below run the blocks that can run here,
against the emulator on loopback.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.conftest import ACCESS_KEY, INSTANCE_ID, PROJECT_ID, SECRET_KEY, scenario, task

ROOT = Path(__file__).resolve().parents[1]
SCHEMA: dict[str, Any] = json.loads((ROOT / "schema" / "schema.json").read_text())
REFERENCE = ROOT / "docs" / "reference"
BIN_DIR = Path(sys.executable).parent
SHELL_FENCE = re.compile(r"^```(?:sh|bash|shell|console)\s*$")
RUN_BY = re.compile(r"^<!-- run by: (.+) -->$")
REAL_CLOUD = "<!-- example for a real cloud -->"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def short(token: str) -> str:
    return token.rsplit(":", 1)[-1]


# -- the reference pages are the schema's ---------------------------------------------------


def test_the_reference_pages_are_what_the_generator_writes_now() -> None:
    generated = _generator().outputs()
    on_disk = {f"docs/reference/{p.name}" for p in REFERENCE.glob("*.md")}
    assert on_disk == set(generated), "run `make gen-docs`"
    for rel, text in generated.items():
        assert (ROOT / rel).read_text() == text, f"{rel} is stale: run `make gen-docs`"


def test_the_check_fails_on_a_page_edited_by_hand_and_on_a_stray_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    generator = _generator()
    shutil.copytree(REFERENCE, tmp_path / "docs" / "reference")
    monkeypatch.setattr(generator.gen_sdk, "ROOT", tmp_path)
    assert generator.main(["--check"]) == 0
    page = tmp_path / "docs" / "reference" / "MigrationTask.md"
    page.write_text(page.read_text().replace("| yes |", "| no |", 1))
    assert generator.main(["--check"]) == 1
    assert "docs/reference/MigrationTask.md" in capsys.readouterr().out
    assert generator.main([]) == 0 and generator.main(["--check"]) == 0  # rewritten
    (tmp_path / "docs" / "reference" / "getMigrationJob.md").write_text("old\n")
    assert generator.main(["--check"]) == 1
    assert "getMigrationJob.md" in capsys.readouterr().out
    generator.main([])
    assert not (tmp_path / "docs" / "reference" / "getMigrationJob.md").exists()


@attrs.frozen
class Row:
    type: str
    required: bool
    secret: bool
    description: str


def expected_type(spec: dict[str, Any]) -> str:
    if "$ref" in spec:
        name = short(spec["$ref"])
        return f"[{name}](types.md#{name.lower()})"
    if spec["type"] == "array":
        return "list<" + expected_type(spec["items"]) + ">"
    if spec["type"] == "object":
        return "map<" + expected_type(spec["additionalProperties"]) + ">"
    return str(spec["type"])


def expected_rows(properties: dict[str, Any], required: list[str] | None) -> dict[str, Row]:
    return {
        name: Row(
            expected_type(spec),
            name in (required or []),
            bool(spec.get("secret")),
            " ".join(spec.get("description", "").split()).replace("|", "\\|"),
        )
        for name, spec in properties.items()
    }


def section_rows(page: str, heading: str) -> dict[str, Row]:
    """The table under `## heading`, read as {property: Row}, whatever columns sit between."""
    body = page.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in body.splitlines() if line.startswith("| `")]
    found = {}
    for line in rows:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        name, *_, kind, required, secret, description = cells
        assert required in ("yes", "no") and secret in ("yes", "no"), line
        found[name.strip("`")] = Row(kind, required == "yes", secret == "yes", description)
    return found


PAGES = [
    *[(short(t), "function", t) for t in SCHEMA["functions"]],
    *[(short(t), "resource", t) for t in SCHEMA["resources"]],
]


@pytest.mark.parametrize(("name", "kind", "token"), PAGES, ids=[p[0] for p in PAGES])
def test_each_function_and_resource_page_holds_every_property_as_the_schema_says(
    name: str, kind: str, token: str
) -> None:
    page = (REFERENCE / f"{name}.md").read_text()
    assert f"Token: `{token}`" in page
    if kind == "function":
        spec = SCHEMA["functions"][token]
        inputs = expected_rows(spec["inputs"]["properties"], spec["inputs"].get("required"))
        outputs = expected_rows(spec["outputs"]["properties"], spec["outputs"].get("required"))
    else:
        spec = SCHEMA["resources"][token]
        inputs = expected_rows(spec["inputProperties"], spec.get("requiredInputs"))
        outputs = expected_rows(spec["properties"], spec.get("required"))
    assert " ".join(spec["description"].split()) in page
    assert section_rows(page, "Inputs") == inputs
    assert section_rows(page, "Outputs") == outputs


def test_the_provider_page_holds_every_configuration_key_and_input() -> None:
    page = (REFERENCE / "provider.md").read_text()
    config = SCHEMA["config"]
    assert section_rows(page, "Configuration") == expected_rows(
        config["variables"], config.get("required")
    )
    provider = SCHEMA["provider"]
    assert section_rows(page, "Inputs") == expected_rows(
        provider["inputProperties"], provider.get("requiredInputs")
    )
    assert section_rows(page, "Configuration")["secretKey"].secret


def test_the_types_page_holds_every_type_its_fields_and_enum_values() -> None:
    page = (REFERENCE / "types.md").read_text()
    for token, spec in SCHEMA["types"].items():
        assert f"\n## {short(token)}\n" in page and f"Token: `{token}`" in page
        if "enum" in spec:
            body = page.split(f"\n## {short(token)}\n", 1)[1].split("\n## ", 1)[0]
            values = re.findall(r"^\| `([^`]+)` \| (.*) \|$", body, re.MULTILINE)
            assert values == [(v["value"], v["description"]) for v in spec["enum"]]
        else:
            assert section_rows(page, short(token)) == expected_rows(
                spec["properties"], spec.get("required")
            )


# -- every shell block is run by a test or marked for a real cloud ---------------------------


@attrs.frozen
class ShellBlock:
    page: str  # relative to the repository
    line: int
    mark: str
    text: str


def shell_blocks(page: str, text: str | None = None) -> list[ShellBlock]:
    """The fenced shell blocks of a page, each with the line right above its fence."""
    lines = (text if text is not None else (ROOT / page).read_text()).splitlines()
    blocks, index = [], 0
    while index < len(lines):
        if SHELL_FENCE.match(lines[index]):
            end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == "```")
            mark = lines[index - 1] if index else ""
            blocks.append(ShellBlock(page, index + 1, mark, "\n".join(lines[index + 1 : end])))
            index = end
        index += 1
    return blocks


def shell_block(page: str, containing: str) -> str:
    """The one shell block of a page that holds `containing`."""
    found = [b.text for b in shell_blocks(page) if containing in b.text]
    assert len(found) == 1, f"{page}: {len(found)} shell blocks hold {containing!r}"
    return found[0] + "\n"


def commands(block: str) -> list[str]:
    """A block's command lines, continuations joined, comments and shebangs dropped."""
    joined = re.sub(r"\\\n\s*", "", block)
    found = []
    for line in joined.splitlines():
        command = re.sub(r"\s+#.*$", "", line).strip()
        if command and not command.startswith("#"):
            found.append(command)
    return found


def runner_source(runner: str) -> str | None:
    """The source of `tests/x.py::test_name` and of the fixtures of that file it takes.

    None when there is no such test.
    """
    path, _, name = runner.partition("::")
    file = ROOT / path
    if not file.is_file():
        return None
    text = file.read_text()
    functions = {
        node.name: node for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)
    }
    test = functions.get(name)
    if test is None:
        return None
    used = [functions[a.arg] for a in test.args.args if a.arg in functions]
    return "\n".join(ast.get_source_segment(text, node) or "" for node in [test, *used])


def problems(block: ShellBlock) -> list[str]:
    """Why a block is neither run nor marked as an example for a real cloud (empty: it is)."""
    where = f"{block.page}:{block.line}"
    if block.mark == REAL_CLOUD:
        return []
    match = RUN_BY.match(block.mark)
    if not match:
        return [f"{where}: no `<!-- run by: ... -->` or `{REAL_CLOUD}` above the block"]
    found = []
    for runner in (r.strip() for r in match[1].split(",")):
        if "::" in runner:
            source = runner_source(runner)
            if source is None:
                found.append(f"{where}: {runner} is not a test")
            elif block.page not in source:
                found.append(f"{where}: {runner} does not read {block.page}")
        elif not (ROOT / runner).is_file():
            found.append(f"{where}: {runner} does not exist")
        else:
            held = (ROOT / runner).read_text().splitlines()
            if not any(command in held for command in commands(block.text)):
                found.append(f"{where}: {runner} runs none of the block's commands")
    return found


def documented_pages() -> list[str]:
    pages = ["README.md", *(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md"))]
    return sorted(pages)


def test_every_shell_block_is_run_or_marked_for_a_real_cloud() -> None:
    blocks = [b for page in documented_pages() for b in shell_blocks(page)]
    assert len(blocks) >= 6, "the README and docs/ show commands"
    assert [p for b in blocks for p in problems(b)] == []


def test_the_marks_are_checked() -> None:
    """An unmarked block, a made-up test, a test that never reads the page: each is refused."""
    page = "docs/cli.md"
    runner = "tests/test_docs.py::test_the_cli_page_tour_runs_against_the_emulator"
    cases = {
        "": "no `<!-- run by",
        "<!-- run by: tests/test_docs.py::test_nothing_by_this_name -->": "is not a test",
        (
            "<!-- run by: tests/test_docs.py::"
            "test_the_types_page_holds_every_type_its_fields_and_enum_values -->"
        ): "does not read",
        "<!-- run by: .ci/nothing -->": "does not exist",
        "<!-- run by: .ci/run -->": "runs none of the block's commands",
        f"<!-- run by: {runner} -->": None,
        REAL_CLOUD: None,
    }
    for mark, wanted in cases.items():
        text = f"Intro.\n{mark}\n```sh\nrocketmq-migration list --instance-id x\n```\n"
        (block,) = shell_blocks(page, text)
        found = problems(block)
        if wanted is None:
            assert found == [], mark
        else:
            assert len(found) == 1 and wanted in found[0], (mark, found)


# -- the blocks that run here --------------------------------------------------------------


def clean_environment(home: Path, **extra: str) -> dict[str, str]:
    """No HW_* or HUAWEICLOUD_* of the outer world; the loopback addresses conftest set."""
    env = {
        "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "HW_METADATA_ENDPOINT": os.environ["HW_METADATA_ENDPOINT"],
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": os.environ["HUAWEICLOUD_SDK_IAM_ENDPOINT"],
    }
    return {**env, **extra}


def bash(block: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", block], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_cli_page_tour_runs_against_the_emulator(tmp_path: Path) -> None:
    block = shell_block("docs/cli.md", "coproc EMULATOR")
    result = bash("set -euo pipefail\n" + block, tmp_path, clean_environment(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "task-rabbit-orders" in result.stdout and "rabbitToRocket" in result.stdout
    text = result.stdout[result.stdout.index("{") :]
    got, end = json.JSONDecoder().raw_decode(text)  # get's JSON; wait's follows
    assert got["name"] == "task-rabbit-orders" and got["status"] == "finished"
    assert json.loads(text[end:])["status"] == "finished"
    assert "error" not in result.stderr


@pytest.fixture
def pipeline_gate() -> str:
    """The pipeline block, the same in the README and docs/cli.md, without its deploy line."""
    block = shell_block("docs/cli.md", "pulumi up --yes --stack prod")
    assert block == shell_block("README.md", "pulumi up --yes --stack prod")
    gate, deploy = block.rstrip("\n").rsplit("\n", 1)
    assert deploy == "pulumi up --yes --stack prod"  # the one line that needs a real stack
    return gate + '\necho "deploying"\n'


@pytest.mark.parametrize(
    ("tasks", "code", "said"),
    [
        ([task("a1", "orders-sync", "finished")], 0, "deploying"),
        ([task("a1", "orders-sync", "failed")], 1, "migration failed; not deploying"),
        ([task("a1", "other-task", "finished")], 1, "could not check the migration"),
    ],
    ids=["finished", "failed", "no-such-task"],
)
def test_the_pipeline_gate_stops_the_deploy_unless_the_task_finished(
    serve: Any,
    tmp_path: Path,
    pipeline_gate: str,
    tasks: list[dict[str, Any]],
    code: int,
    said: str,
) -> None:
    emulator = serve(scenario(tasks))
    env = clean_environment(
        tmp_path,
        HW_ACCESS_KEY=ACCESS_KEY,
        HW_SECRET_KEY=SECRET_KEY,
        HW_PROJECT_ID=PROJECT_ID,
        HW_DMS_ENDPOINT=emulator.base_url,
        ROCKETMQ_INSTANCE_ID=INSTANCE_ID,
    )
    result = bash(pipeline_gate, tmp_path, env)
    assert result.returncode == code, result.stdout + result.stderr
    assert said in result.stdout + result.stderr
    assert ("deploying" in result.stdout.splitlines()) == (code == 0)
    if code != 1 or "failed" in said:
        assert json.loads((tmp_path / "migration.json").read_text())["name"] == "orders-sync"
    assert {r.method for r in emulator.requests} == {"GET"}


@pytest.fixture
def served_block(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The emulator page's command, started as a user starts it; its URL and directory."""
    block = shell_block("docs/emulator.md", "--record requests.jsonl")
    process = subprocess.Popen(
        ["bash", "-c", "set -euo pipefail\n" + block],
        cwd=tmp_path,
        env=clean_environment(tmp_path),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout
        yield process.stdout.readline().strip(), tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def test_the_emulator_page_command_serves_and_records(served_block: tuple[str, Path]) -> None:
    url, directory = served_block
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
    env = clean_environment(
        directory, HW_ACCESS_KEY="AK", HW_SECRET_KEY="SK", HW_PROJECT_ID="PID", HW_DMS_ENDPOINT=url
    )
    demo_instance = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
    result = bash(f"rocketmq-migration list --instance-id {demo_instance}", directory, env)
    assert result.returncode == 0, result.stderr
    assert "task-rabbit-orders" in result.stdout
    recorded = [
        json.loads(line) for line in (directory / "requests.jsonl").read_text().splitlines()
    ]
    assert recorded and {r["method"] for r in recorded} == {"GET"}
