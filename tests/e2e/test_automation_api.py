"""The Automation API (pulumi.automation, LocalWorkspace) through the same CLI and plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pytest
from harness import PROGRAMS_DIR, PulumiProject
from pulumi import automation as auto
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

pytestmark = pytest.mark.e2e


@pytest.fixture
def automation_env(pulumi_project: PulumiProject, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the Automation API (which runs `pulumi` from os.environ) at the project's setup."""
    for key in ("PATH", "PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "PULUMI_HOME"):
        monkeypatch.setenv(key, pulumi_project.env[key])
    monkeypatch.setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
    monkeypatch.setenv("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true")


def _quiet(_: str) -> None:
    pass


@pytest.mark.usefixtures("automation_env")
def test_local_program(pulumi_project: PulumiProject, tmp_path: Path) -> None:
    pulumi_project.copy_program(PROGRAMS_DIR / "smoke")
    stack = auto.create_or_select_stack(stack_name="auto", work_dir=str(pulumi_project.dir))
    stack.set_config("smoke:store", auto.ConfigValue(str(tmp_path / "records")))
    stack.set_config("smoke:token", auto.ConfigValue("tok-123", secret=True))

    result = stack.up(on_output=_quiet)
    assert result.summary.result == "succeeded"
    assert result.outputs["message"].value == "hello"
    assert result.outputs["token"].value == "tok-123"
    assert result.outputs["token"].secret
    assert Path(result.outputs["path"].value).is_file()

    assert stack.destroy(on_output=_quiet).summary.result == "succeeded"
    assert not Path(result.outputs["path"].value).exists()


def _inline_program() -> None:
    # Defined locally so that dill serializes the provider by value: the dynamic provider
    # process cannot import this test module.
    class Doubler(ResourceProvider):
        def create(self, props: dict[str, Any]) -> CreateResult:
            return CreateResult(id_="doubled", outs={"n": props["n"], "doubled": props["n"] * 2})

    class Doubled(Resource):
        doubled: pulumi.Output[int]

        def __init__(self, name: str, n: int) -> None:
            super().__init__(Doubler(), name, {"n": n, "doubled": None})

    pulumi.export("doubled", Doubled("twice", 21).doubled)


@pytest.mark.usefixtures("automation_env")
def test_inline_program_with_dynamic_provider() -> None:
    stack = auto.create_or_select_stack(
        stack_name="inline", project_name="e2e-inline", program=_inline_program
    )
    result = stack.up(on_output=_quiet)
    assert result.outputs["doubled"].value == 42
    assert stack.destroy(on_output=_quiet).summary.result == "succeeded"
