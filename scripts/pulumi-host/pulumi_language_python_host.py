"""A Pulumi language host for Python programs (`pulumirpc.LanguageRuntime`), after Pulumi's.

The Pulumi CLI runs a program through a language plugin, `pulumi-language-python`. Pulumi's own
is a Go binary; this stand-in saves building a second one, and follows what it does at the pinned
version (sdk/python/cmd/pulumi-language-python/main.go), wherever a user can see it:

- ``Run`` executes the program in a child Python process through ``pulumi_language_python_exec.py``
  (beside this file), in the virtualenv named in Pulumi.yaml, passing the deployment settings as
  arguments and the stack's configuration in ``PULUMI_CONFIG`` (a JSON object of
  ``"<namespace>:<key>" -> string``) and ``PULUMI_CONFIG_SECRET_KEYS`` (a JSON list). Exit 0 is
  success, 32 means the program already reported its error (``bail``), any other code becomes
  "program exited with non-zero exit code: N". A missing virtualenv fails the call and says how
  to create it.
- ``InstallDependencies`` (``pulumi install``, ``pulumi new``) creates the virtualenv, updates
  pip, setuptools and wheel, installs requirements.txt, and streams pip's output to the engine.
- ``GetRequiredPackages`` finds the resource plugins the installed Pulumi packages need (see
  pulumi_python_toolchain.py), creating the virtualenv first when it is missing.

The engine starts the plugin (our shell launcher runs this file), reads the gRPC port from the
first line of its stdout, and calls the RPCs below. Only the standard library and the Pulumi SDK
(which brings grpcio and protobuf) are used.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any, NoReturn

try:
    import grpc
    from google.protobuf import empty_pb2, json_format
    from pulumi.runtime.proto import (
        engine_pb2,
        engine_pb2_grpc,
        language_pb2,
        language_pb2_grpc,
        plugin_pb2,
    )
except ImportError as exc:  # pragma: no cover - depends on the interpreter that runs us
    sys.stderr.write(
        f"pulumi-language-python: cannot import the Pulumi SDK ({exc}) with {sys.executable}.\n"
        "Run the Pulumi CLI with a Python that has `pulumi` installed first on PATH (for example "
        "an activated virtualenv), or point PULUMI_PYTHON_CMD at one.\n"
    )
    sys.exit(1)

from pulumi_python_toolchain import (
    HostError,
    Pip,
    Writer,
    parameterization_value,
    parse_options,
)

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


def _sdk_version() -> str:
    """The host's version as Pulumi's reports it: the CLI's, with a v (the SDK is pinned to it)."""
    try:
        from importlib import metadata

        return "v" + metadata.version("pulumi")
    except Exception:
        return ""


def _options(info: Any) -> dict[str, Any]:
    """The `runtime.options` of Pulumi.yaml, sent as a protobuf Struct in ProgramInfo."""
    if info is None or not info.HasField("options"):
        return {}
    return json_format.MessageToDict(info.options)


def _toolchain(info: Any, *, is_plugin: bool = False, fallback_root: str = "") -> Pip:
    root = (info.root_directory if info is not None else "") or fallback_root or os.getcwd()
    program_dir = (info.program_directory if info is not None else "") or root
    return Pip(parse_options(root, program_dir, _options(info), is_plugin=is_plugin))


def _abort(context: Any, exc: Exception) -> NoReturn:
    """Fail the RPC with the message as its error, as a Go host returning an error does."""
    context.abort(grpc.StatusCode.UNKNOWN, str(exc))
    raise AssertionError("unreachable")  # context.abort raises


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
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "method GetRequiredPlugins not implemented")

    def GetRequiredPackages(self, request: Any, context: Any) -> Any:
        """The resource plugins of the Pulumi packages installed for the program.

        Like the real host, it first creates the virtualenv (and installs requirements.txt)
        when Pulumi.yaml names one that does not exist yet, showing pip's output.
        """
        info = request.info if request.HasField("info") else None
        try:
            pip = _toolchain(info)
            out, err = self._engine_writers()
            pip.ensure_venv(pip.options.program_dir, out, err)
            packages = pip.required_packages()
        except HostError as exc:
            _abort(context, exc)
        return language_pb2.GetRequiredPackagesResponse(
            packages=[
                plugin_pb2.PackageDependency(
                    name=p.name,
                    version=p.version,
                    kind="resource",
                    server=p.server,
                    parameterization=_parameterization(p.parameterization),
                )
                for p in packages
            ]
        )

    def InstallDependencies(self, request: Any, context: Any) -> Iterator[Any]:
        """Create the virtualenv and install requirements.txt, streaming pip's output."""
        info = request.info if request.HasField("info") else None
        try:
            pip = _toolchain(info, is_plugin=request.is_plugin, fallback_root=request.directory)
        except HostError as exc:
            _abort(context, exc)
        program_dir = pip.options.program_dir
        if request.is_plugin and (Path(program_dir) / "pyproject.toml").is_file():
            _abort(context, HostError("this stand-in host cannot install buildable plugins"))
        chunks: queue.Queue[tuple[str, bytes] | BaseException | None] = queue.Queue()

        def work() -> None:
            try:
                chunks.put(("stdout", b"Installing dependencies...\n\n"))
                pip.install_dependencies(
                    program_dir,
                    lambda data: chunks.put(("stdout", data)),
                    lambda data: chunks.put(("stderr", data)),
                )
                chunks.put(("stdout", b"Finished installing dependencies\n\n"))
                chunks.put(None)
            except BaseException as exc:
                chunks.put(exc)

        threading.Thread(target=work, daemon=True).start()
        while True:
            item = chunks.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                _abort(context, item)
            stream, data = item
            yield language_pb2.InstallDependenciesResponse(**{stream: data})

    def RuntimeOptionsPrompts(self, request: Any, context: Any) -> Any:
        """Ask for the toolchain when Pulumi.yaml has none; pip means a `venv` virtualenv."""
        options = _options(request.info if request.HasField("info") else None)
        prompt = language_pb2.RuntimeOptionPrompt
        string = prompt.STRING
        prompts = []
        if "toolchain" not in options:
            pip = prompt.RuntimeOptionValue(promptType=string, stringValue="pip", displayName="pip")
            prompts.append(
                prompt(
                    key="toolchain",
                    description="The toolchain to use for installing dependencies and running "
                    "the program",
                    promptType=string,
                    choices=[pip],
                    default=pip,
                )
            )
        elif options["toolchain"] == "pip" and "virtualenv" not in options:
            venv = prompt.RuntimeOptionValue(promptType=string, stringValue="venv")
            prompts.append(
                prompt(
                    key="virtualenv",
                    description="The virtualenv to use",
                    promptType=string,
                    choices=[venv],
                    default=venv,
                )
            )
        return language_pb2.RuntimeOptionsResponse(prompts=prompts)

    def Template(self, request: Any, context: Any) -> Any:
        # pip with requirements.txt is how templates are written: nothing to prepare.
        try:
            _toolchain(request.info if request.HasField("info") else None)
        except HostError as exc:
            _abort(context, exc)
        return language_pb2.TemplateResponse()

    def About(self, request: Any, context: Any) -> Any:
        info = request.info if request.HasField("info") else None
        try:
            pip = _toolchain(info)
            executable = pip.output("-c", "import sys; print(sys.executable)").strip()
            version = pip.output("--version").strip().removeprefix("Python ")
            pip_version = pip.output("-m", "pip", "--version").split()[1]
        except (HostError, IndexError) as exc:
            _abort(context, exc)
        return language_pb2.AboutResponse(
            executable=executable,
            version=version,
            metadata={
                "toolchain": "Pip" if pip.options.toolchain == "pip" else "Auto",
                "toolchainVersion": pip_version,
                "typechecker": "None",
            },
        )

    def GetProgramDependencies(self, request: Any, context: Any) -> Any:
        info = request.info if request.HasField("info") else None
        try:
            pip = _toolchain(info, fallback_root=request.pwd)
            packages = pip.list_packages(transitive=request.transitiveDependencies)
        except HostError as exc:
            _abort(context, HostError(f"failed to get python dependencies: {exc}"))
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[language_pb2.DependencyInfo(name=n, version=v) for n, v in packages]
        )

    def Cancel(self, request: Any, context: Any) -> Any:
        self.terminate_children()
        return empty_pb2.Empty()

    def Run(self, request: Any, context: Any) -> Any:
        if request.attach_debugger:
            return language_pb2.RunResponse(error="this language host cannot attach a debugger")
        info = request.info if request.HasField("info") else None
        try:
            pip = _toolchain(info, fallback_root=request.pwd)
            pip.validate_venv()
        except HostError as exc:
            _abort(context, exc)

        args = [str(EXEC_SCRIPT)]

        def opt(name: str, value: str) -> None:
            if value:
                args.extend([f"--{name}", value])

        opt("monitor", request.monitor_address)
        opt("engine", self.engine_address)
        opt("project", request.project)
        opt("root_directory", info.root_directory if info else "")
        opt("stack", request.stack)
        opt("pwd", request.pwd)
        opt("dry_run", "true" if request.dryRun else "false")
        opt("parallel", str(request.parallel))
        opt("tracing", self.tracing)
        opt("organization", request.organization)
        args.append((info.entry_point if info else "") or request.program or ".")
        args.extend(request.args)

        try:
            argv, env = pip.command(*args)
        except HostError as exc:
            _abort(context, exc)
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))

        try:
            child = subprocess.Popen(argv, env=env)
        except OSError as exc:
            return language_pb2.RunResponse(
                error=f"problem executing program (could not run language executor): {exc}"
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
        if code < 0:  # Go's exit status for a signalled process
            code = -1
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    # -- helpers -------------------------------------------------------------------------------
    def _engine_writers(self) -> tuple[Writer, Writer]:
        """Writers that show output in the engine as ephemeral info and error messages."""
        if not self.engine_address:
            return (lambda data: None), (lambda data: None)
        channel = grpc.insecure_channel(self.engine_address, options=_GRPC_OPTIONS)
        engine = engine_pb2_grpc.EngineStub(channel)
        stream_id = random.randint(0, 2**31 - 1)

        def writer(severity: int) -> Writer:
            def write(data: bytes) -> None:
                message = data.decode("utf-8", errors="replace")
                engine.Log(
                    engine_pb2.LogRequest(
                        severity=severity, message=message, ephemeral=True, streamId=stream_id
                    )
                )

            return write

        return writer(engine_pb2.INFO), writer(engine_pb2.ERROR)


def _parameterization(value: Any) -> Any:
    if not value:
        return None
    return plugin_pb2.PackageParameterization(
        name=str(value.get("name", "")),
        version=str(value.get("version", "")),
        value=parameterization_value(value.get("value")),
    )


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

    # Handlers first: a SIGINT that came once the port is out, before them, would raise
    # KeyboardInterrupt while the server's threads keep the process alive.
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    host = LanguageHost(args.engine_address, args.tracing)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=_GRPC_OPTIONS)
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(host, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    # The engine reads the port from the first line of stdout.
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    threading.Thread(target=_watch_parent, args=(stop,), daemon=True).start()
    while not stop.wait(3600):
        pass
    host.terminate_children()
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
