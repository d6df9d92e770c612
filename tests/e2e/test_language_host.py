"""Our Python language host on its own: started like the engine starts it, from any directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from harness import PINNED_VERSION, REPO_ROOT
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

pytestmark = pytest.mark.e2e

LAUNCHER = REPO_ROOT / "scripts" / "pulumi-host" / "pulumi-language-python"


@pytest.fixture
def host(tmp_path: Path) -> Iterator[language_pb2_grpc.LanguageRuntimeStub]:
    env = dict(os.environ, PULUMI_PYTHON_CMD=sys.executable)
    proc = subprocess.Popen(
        [str(LAUNCHER), "--tracing", "", "127.0.0.1:1"],  # engine address: unused here
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().strip())
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield language_pb2_grpc.LanguageRuntimeStub(channel)
        channel.close()
        os.killpg(proc.pid, signal.SIGINT)  # what the engine does on shutdown
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_plugin_info_and_no_required_packages(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    assert host.GetPluginInfo(empty_pb2.Empty(), timeout=30).version == PINNED_VERSION
    info = language_pb2.ProgramInfo(
        root_directory=str(tmp_path), program_directory=str(tmp_path), entry_point="."
    )
    packages = host.GetRequiredPackages(language_pb2.GetRequiredPackagesRequest(info=info))
    assert list(packages.packages) == []
    plugins = host.GetRequiredPlugins(language_pb2.GetRequiredPluginsRequest(info=info))
    assert list(plugins.plugins) == []


def test_about_and_dependencies_use_the_program_python(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    info = language_pb2.ProgramInfo(
        root_directory=str(tmp_path), program_directory=str(tmp_path), entry_point="."
    )
    about = host.About(language_pb2.AboutRequest(info=info), timeout=60)
    assert about.executable
    deps = host.GetProgramDependencies(
        language_pb2.GetProgramDependenciesRequest(info=info, transitiveDependencies=True),
        timeout=60,
    )
    assert {d.name.lower(): d.version for d in deps.dependencies}["pulumi"] == PINNED_VERSION


def test_missing_virtualenv_is_a_run_error(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    from google.protobuf import struct_pb2

    options = struct_pb2.Struct()
    options.update({"virtualenv": "no-such-venv"})
    info = language_pb2.ProgramInfo(
        root_directory=str(tmp_path),
        program_directory=str(tmp_path),
        entry_point=".",
        options=options,
    )
    response = host.Run(language_pb2.RunRequest(pwd=str(tmp_path), info=info), timeout=60)
    assert "no-such-venv" in response.error
    assert not response.bail


def test_install_dependencies_is_a_noop(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    info = language_pb2.ProgramInfo(root_directory=str(tmp_path), program_directory=str(tmp_path))
    request = language_pb2.InstallDependenciesRequest(directory=str(tmp_path), info=info)
    chunks = list(host.InstallDependencies(request, timeout=30))
    assert b"nothing to install" in b"".join(c.stdout for c in chunks)
