"""The Pulumi CLI pin (scripts/pulumi-version) and scripts/ensure-pulumi."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
ENSURE_PULUMI = ROOT / "scripts" / "ensure-pulumi"


def _pinned() -> str:
    return (ROOT / "scripts" / "pulumi-version").read_text().strip()


def _load_ensure_pulumi() -> ModuleType:
    loader = importlib.machinery.SourceFileLoader("ensure_pulumi", str(ENSURE_PULUMI))
    spec = importlib.util.spec_from_loader("ensure_pulumi", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def test_version_file_matches_the_pyproject_pin() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    if sys.version_info >= (3, 11):
        import tomllib

        deps = tomllib.loads(pyproject)["project"]["dependencies"]
    else:  # pragma: no cover
        deps = re.findall(r'"(pulumi[^"]*)"', pyproject)
    pins = [d for d in deps if re.match(r"pulumi\s*[=<>~!]", d)]
    assert pins == [f"pulumi=={_pinned()}"]


def test_version_file_holds_a_plain_version() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", _pinned())


def test_installed_sdk_is_the_pinned_version() -> None:
    from importlib.metadata import version

    assert version("pulumi") == _pinned()


def test_non_local_replaces_are_copied_and_local_ones_dropped() -> None:
    ensure = _load_ensure_pulumi()
    go_mod = """module github.com/pulumi/pulumi/pkg/v3

go 1.26.6

replace github.com/pulumi/pulumi/sdk/v3 => ../sdk

replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-2024 // fork

replace (
	example.com/a v1.0.0 => example.com/b v1.2.3
	example.com/local => ./local
	// example.com/commented => example.com/x v1.0.0
)
"""
    assert ensure.non_local_replaces(go_mod) == [
        "replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-2024",
        "replace example.com/a v1.0.0 => example.com/b v1.2.3",
    ]
    assert ensure.go_directive(go_mod) == "1.26.6"


def test_print_dir_points_into_the_versioned_cache(tmp_path: Path) -> None:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path), PATH="/usr/bin:/bin")
    out = subprocess.run(
        [sys.executable, str(ENSURE_PULUMI), "--print-dir"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    expected = tmp_path / "pulumi-rocketmq-migration" / f"pulumi-{_pinned()}" / "bin"
    assert out.stdout.strip() == str(expected)
    assert not expected.exists(), "--print-dir must not build anything"


def test_host_files_are_synced_when_they_change(tmp_path: Path) -> None:
    ensure = _load_ensure_pulumi()
    assert ensure.sync_host_files(tmp_path) == list(ensure.HOST_FILES)
    assert ensure.sync_host_files(tmp_path) == []
    stale = tmp_path / "pulumi_language_python_host.py"
    stale.write_text("# stale\n")
    assert ensure.sync_host_files(tmp_path) == ["pulumi_language_python_host.py"]
    assert all(os.access(tmp_path / name, os.X_OK) for name in ensure.HOST_FILES)


def test_without_cli_or_go_it_explains_how_to_install(tmp_path: Path) -> None:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), PATH=str(empty_bin))
    out = subprocess.run(
        [sys.executable, str(ENSURE_PULUMI)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode != 0
    assert f"Pulumi CLI v{_pinned()}" in out.stderr
    assert "install Go" in out.stderr


@pytest.mark.parametrize("launcher", ["pulumi-language-python", "pulumi-resource-pulumi-python"])
def test_launchers_are_executable_posix_shell(launcher: str) -> None:
    path = ROOT / "scripts" / "pulumi-host" / launcher
    assert os.access(path, os.X_OK)
    assert path.read_text().startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", str(path)], check=True)
