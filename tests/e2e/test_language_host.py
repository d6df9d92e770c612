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
from harness import PINNED_VERSION, REPO_ROOT, overlay_virtualenv
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
        assert proc.wait(timeout=60) == 0  # generous: a loaded 2-core machine is slow to stop it
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _program_info(root: Path, **options: str) -> language_pb2.ProgramInfo:
    from google.protobuf import struct_pb2

    struct = struct_pb2.Struct()
    struct.update(options)
    return language_pb2.ProgramInfo(
        root_directory=str(root), program_directory=str(root), entry_point=".", options=struct
    )


def test_plugin_info(host: language_pb2_grpc.LanguageRuntimeStub) -> None:
    assert host.GetPluginInfo(empty_pb2.Empty(), timeout=30).version == f"v{PINNED_VERSION}"


def test_package_discovery_lists_plugins_as_pulumis_host_does(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    """A `pulumi-` package needs a plugin unless its pulumi-plugin.json says resource: false."""
    overlay_virtualenv(
        tmp_path / "venv",
        {
            "pulumi-phantom": None,  # what this package was without its pulumi-plugin.json
            "pulumi-quiet": {"resource": False},
            "acme-sdk": {"resource": True, "name": "acme", "version": "2.0.0"},
            "unrelated": None,
        },
    )
    info = _program_info(tmp_path, toolchain="pip", virtualenv="venv")
    response = host.GetRequiredPackages(
        language_pb2.GetRequiredPackagesRequest(info=info), timeout=120
    )
    found = {(p.name, p.version, p.kind) for p in response.packages}
    assert found == {("phantom", "v1.2.3", "resource"), ("acme", "v2.0.0", "resource")}
    # The checkout is installed in that virtualenv too, and asks for no plugin.
    assert "rocketmq-migration" not in {p.name for p in response.packages}


def test_get_required_plugins_is_unimplemented_as_in_pulumis_host(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    info = _program_info(tmp_path)
    with pytest.raises(grpc.RpcError) as failure:
        host.GetRequiredPlugins(language_pb2.GetRequiredPluginsRequest(info=info), timeout=30)
    assert failure.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_about_and_dependencies_use_the_program_python(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    info = _program_info(tmp_path)
    about = host.About(language_pb2.AboutRequest(info=info), timeout=60)
    assert about.executable
    assert about.metadata["toolchain"] == "Auto"  # Pulumi.yaml names none
    pip = host.About(language_pb2.AboutRequest(info=_program_info(tmp_path, toolchain="pip")))
    assert pip.metadata["toolchain"] == "Pip"
    deps = host.GetProgramDependencies(
        language_pb2.GetProgramDependenciesRequest(info=info, transitiveDependencies=True),
        timeout=60,
    )
    assert {d.name: d.version for d in deps.dependencies}["pulumi"] == PINNED_VERSION


def test_a_missing_virtualenv_fails_the_run_and_says_how_to_create_it(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    info = _program_info(tmp_path, virtualenv="no-such-venv")
    with pytest.raises(grpc.RpcError) as failure:
        host.Run(language_pb2.RunRequest(pwd=str(tmp_path), info=info), timeout=60)
    message = failure.value.details()
    assert 'set to "no-such-venv"' in message and "doesn't exist" in message
    assert f"python3 -m venv {tmp_path / 'no-such-venv'}" in message


def test_install_dependencies_reports_a_failed_pip_install(
    host: language_pb2_grpc.LanguageRuntimeStub, tmp_path: Path
) -> None:
    """The virtualenv is created, pip's output streamed, and the failure names what failed."""
    (tmp_path / "requirements.txt").write_text("./no-such-directory\n")
    info = _program_info(tmp_path, toolchain="pip", virtualenv="venv")
    request = language_pb2.InstallDependenciesRequest(directory=str(tmp_path), info=info)
    chunks = []
    with pytest.raises(grpc.RpcError) as failure:
        for chunk in host.InstallDependencies(request, timeout=300):
            chunks.append(chunk)
    stdout = b"".join(c.stdout for c in chunks).decode()
    stderr = b"".join(c.stderr for c in chunks).decode()
    assert stdout.startswith("Installing dependencies...\n\nCreating virtual environment...")
    assert "Finished creating virtual environment" in stdout
    assert "Installing dependencies in virtual environment..." in stdout
    assert "no-such-directory" in stderr  # pip's own words, streamed
    message = failure.value.details()
    assert message.startswith("installing dependencies via '")
    assert "-m pip install -r requirements.txt': exit status 1" in message
    assert (tmp_path / "venv" / "bin" / "python").is_file()
