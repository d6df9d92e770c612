"""The public API is what __all__ lists, and every name in it resolves."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import pulumi_rocketmq_migration as package


def test_every_public_name_resolves():
    for name in package.__all__:
        assert getattr(package, name) is not None, name


def test_the_client_side_does_not_load_the_pulumi_sdk():
    code = "import sys, pulumi_rocketmq_migration.cli; print('pulumi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- release: one version, the built wheel and sdist, an install from the wheel ----------------

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"


def _toolchain_module() -> Any:
    """scripts/pulumi-host/pulumi_python_toolchain.py: the host's package discovery."""
    path = ROOT / "scripts" / "pulumi-host" / "pulumi_python_toolchain.py"
    spec = importlib.util.spec_from_file_location("pulumi_python_toolchain", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def _pythons() -> list[str]:
    """This interpreter, plus the other supported CPython versions this machine has."""
    found = {f"{sys.version_info.major}.{sys.version_info.minor}": sys.executable}
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for minor in range(10, 14):
        version = f"3.{minor}"
        candidates = [
            *sorted(pyenv.glob(f"{version}.*/bin/python3")),
            shutil.which(f"python{version}"),
        ]
        for candidate in candidates:
            if version in found or not candidate:
                continue
            probe = subprocess.run(
                [str(candidate), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                check=False,
            )
            if probe.returncode == 0 and probe.stdout.strip() == version:
                found[version] = str(candidate)
    return [found[v] for v in sorted(found)]


def test_one_version_everywhere():
    assert package.__version__ == metadata.version("pulumi-rocketmq-migration")
    cli = subprocess.run(
        [str(Path(sysconfig.get_path("scripts")) / "rocketmq-migration"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (cli.returncode, cli.stdout) == (0, f"rocketmq-migration {package.__version__}\n")
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"\n## [{package.__version__}]" in changelog
    template_requirement = (ROOT / "templates/rocketmq-migration-gate/requirements.txt").read_text()
    assert re.search(r"pulumi-rocketmq-migration>=(\S+),", template_requirement).group(1) == (
        package.__version__
    )


def test_the_package_says_it_has_no_pulumi_plugin():
    shipped = Path(package.__file__).with_name("pulumi-plugin.json")
    assert json.loads(shipped.read_text()) == {"resource": False}


def test_wheel_and_sdist_pass_twine_check(dists):
    checked = subprocess.run(
        [
            sys.executable,
            "-m",
            "twine",
            "check",
            "--strict",
            str(dists["wheel"]),
            str(dists["sdist"]),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


def test_the_wheel_holds_the_package_data_and_true_metadata(dists):
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        names = set(wheel.namelist())
        plugin = json.loads(wheel.read("pulumi_rocketmq_migration/pulumi-plugin.json"))
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = wheel.read(meta_name).decode()
    assert plugin == {"resource": False}
    for name in ("py.typed", "emulator/demo.json", "_version.py", "cli/__main__.py"):
        assert f"pulumi_rocketmq_migration/{name}" in names
    assert not any(n.startswith(("tests/", "examples/", "scripts/")) for n in names)
    assert f"Version: {package.__version__}\n" in meta
    assert "Requires-Python: >=3.10\n" in meta
    assert "License-Expression: Apache-2.0\n" in meta
    for version in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Classifier: Programming Language :: Python :: {version}\n" in meta
    assert "Requires-Dist: pulumi==" in meta
    with tarfile.open(dists["sdist"]) as sdist:
        members = sdist.getnames()
    assert any(m.endswith("pulumi_rocketmq_migration/pulumi-plugin.json") for m in members)


@pytest.mark.parametrize("python", _pythons(), ids=lambda p: p)
def test_the_wheel_in_a_fresh_virtualenv_runs_the_cli_and_the_emulator(dists, tmp_path, python):
    venv = tmp_path / "venv"
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(dists["wheel"])],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    cli = str(venv / "bin" / "rocketmq-migration")
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout == f"rocketmq-migration {package.__version__}\n"

    # Pulumi's Python host would ask for no `rocketmq-migration` plugin in this virtualenv.
    toolchain = _toolchain_module()
    pip_tool = toolchain.Pip(toolchain.PythonOptions(str(tmp_path), str(tmp_path), "venv", "pip"))
    installed = dict(pip_tool.list_packages(transitive=True))
    assert installed["pulumi-rocketmq-migration"] == package.__version__
    assert pip_tool.required_packages() == []

    keys = ["--access-key", "AKWHEEL", "--project-id", "wheel"]
    emulator = subprocess.Popen(
        [cli, "emulator", "--port", "0", *keys],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, EMULATOR_SECRET_KEY="wheel-secret"),
    )
    try:
        assert emulator.stdout is not None
        url = emulator.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        env = dict(os.environ, HW_ACCESS_KEY="AKWHEEL", HW_SECRET_KEY="wheel-secret")
        listing = subprocess.run(
            [
                cli,
                "list",
                "--endpoint",
                url,
                "--project-id",
                "wheel",
                "--instance-id",
                INSTANCE,
                "--output",
                "json",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    assert listing.returncode == 0, listing.stdout + listing.stderr
    assert "task-rabbit-orders" in listing.stdout
