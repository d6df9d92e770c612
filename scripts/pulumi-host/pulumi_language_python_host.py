"""A small Pulumi language host for Python programs (`pulumirpc.LanguageRuntime`).

The Pulumi CLI runs a program through a language plugin, `pulumi-language-python`. The official
one is a Go binary that cannot be built here, so this module stands in for it. The engine starts
the plugin (our shell launcher runs this file), reads the gRPC port from the first line of its
stdout, and calls the RPCs below. ``Run`` executes the program in a child Python process through
``pulumi_language_python_exec.py`` (beside this file), passing the deployment settings as
arguments and the stack's configuration in the environment variables the Pulumi Python SDK reads:
``PULUMI_CONFIG`` (a JSON object of ``"<namespace>:<key>" -> string``) and
``PULUMI_CONFIG_SECRET_KEYS`` (a JSON list of the keys holding secrets).

Only the standard library and the Pulumi SDK (which brings grpcio and protobuf) are used.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

try:
    import grpc
    from google.protobuf import empty_pb2, json_format
    from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2
except ImportError as exc:  # pragma: no cover - depends on the interpreter that runs us
    sys.stderr.write(
        f"pulumi-language-python: cannot import the Pulumi SDK ({exc}) with {sys.executable}.\n"
        "Run the Pulumi CLI with a Python that has `pulumi` installed first on PATH (for example "
        "an activated virtualenv), or point PULUMI_PYTHON_CMD at one.\n"
    )
    sys.exit(1)

HERE = Path(__file__).resolve().parent
EXEC_SCRIPT = HERE / "pulumi_language_python_exec.py"

# The exec script exits with this code after it has reported the error to the engine itself,
# so the host must not add a second message (RunResponse.bail). Same value Pulumi uses.
EXIT_ERROR_ALREADY_REPORTED = 32

_MAX_MESSAGE = 400 * 1024 * 1024
_GRPC_OPTIONS = [
    ("grpc.max_receive_message_length", _MAX_MESSAGE),
    ("grpc.max_send_message_length", _MAX_MESSAGE),
]

_DEPENDENCIES_SCRIPT = r"""
import json, re, sys
from importlib import metadata
transitive = sys.argv[1] == "1"
dists = {}
for d in metadata.distributions():
    name = d.metadata["Name"]
    if name:
        dists[re.sub(r"[-_.]+", "-", name).lower()] = (name, d.version, d.requires or [])
required = set()
if not transitive:
    for _, _, reqs in dists.values():
        for req in reqs:
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
            if m and "extra ==" not in req:
                required.add(re.sub(r"[-_.]+", "-", m.group(1)).lower())
out = [
    {"name": name, "version": version}
    for key, (name, version, _) in sorted(dists.items())
    if transitive or key not in required
]
print(json.dumps(out))
"""

_ABOUT_SCRIPT = (
    "import json, platform, sys; print(json.dumps([sys.executable, platform.python_version()]))"
)


def _sdk_version() -> str:
    try:
        from importlib import metadata

        return metadata.version("pulumi")
    except Exception:
        return ""


def _options(info: Any) -> dict[str, Any]:
    """The `runtime.options` of Pulumi.yaml, sent as a protobuf Struct in ProgramInfo."""
    if info is None or not info.HasField("options"):
        return {}
    return json_format.MessageToDict(info.options)


class ProgramPython:
    """Which interpreter runs a program, and its environment.

    Pulumi.yaml's `runtime.options.virtualenv` wins (relative paths are taken from the project's
    root directory, where Pulumi.yaml lives, as Pulumi does); otherwise the interpreter that runs
    this host.
    """

    def __init__(self, root: str, options: dict[str, Any]) -> None:
        self.virtualenv: Path | None = None
        venv = options.get("virtualenv")
        if venv is not None and not isinstance(venv, str):
            raise ValueError("the 'virtualenv' runtime option must be a string")
        if venv:
            path = Path(venv)
            if not path.is_absolute():
                path = Path(root or os.getcwd()) / path
            self.virtualenv = path.absolute()

    @property
    def executable(self) -> str:
        if self.virtualenv is not None:
            return str(self.virtualenv / "bin" / "python")
        return sys.executable

    def validate(self) -> str | None:
        """An error message when the configured virtualenv is unusable, else None."""
        if self.virtualenv is None or os.access(self.executable, os.X_OK):
            return None
        return (
            f"The 'virtualenv' option in Pulumi.yaml is set to {self.virtualenv}, but it has no "
            f"bin/python. Create it with `python3 -m venv {self.virtualenv}` and install the "
            "program's requirements into it."
        )

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        if self.virtualenv is not None:
            env["VIRTUAL_ENV"] = str(self.virtualenv)
            env["PATH"] = os.pathsep.join([str(self.virtualenv / "bin"), env.get("PATH", "")])
            env.pop("PYTHONHOME", None)
        return env

    def query(self, script: str, *args: str) -> Any:
        out = subprocess.run(
            [self.executable, "-c", script, *args],
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return json.loads(out.stdout)


class LanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    def __init__(self, engine_address: str, tracing: str) -> None:
        self.engine_address = engine_address
        self.tracing = tracing
        self._lock = threading.Lock()
        self._children: set[subprocess.Popen[bytes]] = set()

    # -- bookkeeping ---------------------------------------------------------------------------
    def terminate_children(self) -> None:
        with self._lock:
            children = list(self._children)
        for child in children:
            if child.poll() is None:
                with contextlib.suppress(OSError):
                    child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 5
        for child in children:
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()

    # -- RPCs ----------------------------------------------------------------------------------
    def Handshake(self, request: Any, context: Any) -> Any:
        self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=_sdk_version())

    def GetRequiredPlugins(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        return language_pb2.GetRequiredPackagesResponse()

    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:
        # Dependencies are installed by the project's own tooling (its virtualenv), not by Pulumi.
        yield language_pb2.InstallDependenciesResponse(
            stdout=b"pulumi-language-python: dependencies are managed outside Pulumi; "
            b"nothing to install.\n"
        )

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:
        return language_pb2.RuntimeOptionsResponse()

    def Template(self, request: Any, context: Any) -> Any:
        return language_pb2.TemplateResponse()

    def About(self, request: Any, context: Any) -> Any:
        info = request.info if request.HasField("info") else None
        python = ProgramPython(info.root_directory if info else "", _options(info))
        try:
            executable, version = python.query(_ABOUT_SCRIPT)
        except Exception as exc:
            message = f"cannot run {python.executable}: {exc}"
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, message)
        return language_pb2.AboutResponse(
            executable=executable,
            version=version,
            metadata={"toolchain": "pip", "host": "pulumi_language_python_host.py"},
        )

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        info = request.info if request.HasField("info") else None
        python = ProgramPython(info.root_directory if info else request.pwd, _options(info))
        transitive = "1" if request.transitiveDependencies else "0"
        try:
            deps = python.query(_DEPENDENCIES_SCRIPT, transitive)
        except Exception as exc:
            context.abort(grpc.StatusCode.INTERNAL, f"failed to get python dependencies: {exc}")
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[language_pb2.DependencyInfo(**d) for d in deps]
        )

    def Cancel(self, request: Any, context: Any) -> Any:
        self.terminate_children()
        return empty_pb2.Empty()

    def Run(self, request: Any, context: Any) -> Any:
        if request.attach_debugger:
            return language_pb2.RunResponse(error="this language host cannot attach a debugger")
        info = request.info if request.HasField("info") else None
        root = (info.root_directory if info else "") or request.pwd or os.getcwd()
        program_dir = (info.program_directory if info else "") or request.pwd or root
        entry_point = (info.entry_point if info else "") or request.program or "."
        try:
            python = ProgramPython(root, _options(info))
        except ValueError as exc:
            return language_pb2.RunResponse(error=str(exc))
        problem = python.validate()
        if problem:
            return language_pb2.RunResponse(error=problem)

        program = os.path.normpath(os.path.join(program_dir, entry_point))
        args = [python.executable, str(EXEC_SCRIPT)]

        def opt(name: str, value: str) -> None:
            if value:
                args.extend([f"--{name}", value])

        opt("monitor", request.monitor_address)
        opt("engine", self.engine_address)
        opt("project", request.project)
        opt("root_directory", root)
        opt("stack", request.stack)
        opt("pwd", request.pwd)
        opt("dry_run", "true" if request.dryRun else "false")
        opt("parallel", str(request.parallel))
        opt("tracing", self.tracing)
        opt("organization", request.organization)
        args.append(program)
        args.extend(request.args)

        env = python.environ()
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))

        try:
            child = subprocess.Popen(args, env=env, cwd=request.pwd or program_dir)
        except OSError as exc:
            return language_pb2.RunResponse(
                error=f"problem executing program (could not run {python.executable}): {exc}"
            )
        with self._lock:
            self._children.add(child)
        # Stop the program when the engine abandons the call.
        context.add_callback(lambda: child.poll() is None and child.send_signal(signal.SIGINT))
        try:
            code = child.wait()
        finally:
            with self._lock:
                self._children.discard(child)
        sys.stdout.flush()
        sys.stderr.flush()
        if code == 0:
            return language_pb2.RunResponse()
        if code == EXIT_ERROR_ALREADY_REPORTED:
            return language_pb2.RunResponse(bail=True)
        if code < 0:
            return language_pb2.RunResponse(error=f"program was stopped by signal {-code}")
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")


def _watch_parent(stop: threading.Event) -> None:
    """Stop serving when the engine that started us goes away without telling us."""
    parent = os.getppid()
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Pulumi language host for Python programs")
    parser.add_argument("--tracing", default="", help="tracing endpoint (ignored)")
    parser.add_argument("--logtostderr", action="store_true", help="ignored")
    parser.add_argument("-v", dest="verbose", default="", help="ignored")
    parser.add_argument("--logflow", action="store_true", help="ignored")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    parser.add_argument("engine_address", nargs="?", default="")
    args, _unknown = parser.parse_known_args(argv)
    if args.version:
        print(_sdk_version())
        return 0

    host = LanguageHost(args.engine_address, args.tracing)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=_GRPC_OPTIONS)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The engine reads the port from the first line of stdout.
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()

    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    threading.Thread(target=_watch_parent, args=(stop,), daemon=True).start()
    while not stop.wait(3600):
        pass
    host.terminate_children()
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
