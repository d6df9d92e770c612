"""The `pip` toolchain of the stand-in Python language host: virtualenv, installs, packages.

It follows what Pulumi's own host (``sdk/python/toolchain/pip.go`` and
``sdk/python/cmd/pulumi-language-python/main.go`` at the pinned version) does, in the same
order and with the same messages, so that a project behaves here as it does for users:

- ``runtime.options.virtualenv`` in Pulumi.yaml is taken relative to the project's root; a
  plugin without one gets ``venv``. Without a virtualenv, programs run with
  ``$PULUMI_PYTHON_CMD``, else ``python3``, else ``python`` from PATH.
- Installing creates the virtualenv with that system Python (``-m venv``), upgrades pip,
  setuptools and wheel in it, then installs ``requirements.txt`` from the program's directory.
- Package discovery (``GetRequiredPackages``): every installed distribution whose name starts
  with ``pulumi-``, or that ships a ``pulumi-plugin.json`` in its top-level package, is a Pulumi
  package; one whose ``pulumi-plugin.json`` says ``"resource": false`` has no plugin, any other
  needs the resource plugin named after it (``pulumi-`` removed), at its version turned into
  semver. That is why this project ships a ``pulumi-plugin.json``.

Only the `pip` toolchain exists here; ``poetry``, ``uv`` and type checkers are refused with a
clear message rather than silently run some other way.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

Writer = Callable[[bytes], None]

# Packages known to have no plugin even though their names start with `pulumi-`.
PACKAGES_WITHOUT_PLUGINS = frozenset({"pulumi-policy", "pulumi-esc-sdk"})

# Prints {distribution name: path of the pulumi-plugin.json in its top-level package, or ""}.
_PLUGIN_JSON_SCRIPT = r"""
import importlib.metadata, importlib.util, json, os, sys
found = {}
for requested in sys.argv[1:]:
    path = ""
    try:
        module = importlib.metadata.distribution(requested).metadata["Name"].replace("-", "_")
        spec = importlib.util.find_spec(module)
        for location in (spec.submodule_search_locations or []) if spec else []:
            candidate = os.path.join(str(location), "pulumi-plugin.json")
            if os.path.isfile(candidate):
                path = candidate
                break
    except Exception:
        pass
    found[requested] = path
print(json.dumps(found))
"""


class HostError(Exception):
    """An error the host returns to the engine as the RPC's error, with this message."""


class PythonOptions(NamedTuple):
    root: str
    program_dir: str
    virtualenv: str  # as written in Pulumi.yaml; "" for none
    toolchain: str  # "pip" (or "auto", which is pip here)


class PackageDependency(NamedTuple):
    name: str
    version: str
    server: str = ""
    parameterization: Mapping[str, Any] | None = None


def parse_options(
    root: str, program_dir: str, options: Mapping[str, Any], *, is_plugin: bool = False
) -> PythonOptions:
    """Pulumi.yaml's `runtime.options`, checked like the real host checks them."""
    virtualenv = options.get("virtualenv", "")
    if not isinstance(virtualenv, str):
        raise HostError("virtualenv option must be a string")
    typechecker = options.get("typechecker")
    if typechecker is not None:
        if not isinstance(typechecker, str):
            raise HostError("typechecker option must be a string")
        if typechecker not in ("mypy", "pyright"):
            raise HostError(f"unsupported typechecker option: {typechecker}")
        raise HostError(
            f"the typechecker option ({typechecker}) is not supported by this stand-in "
            "language host (scripts/pulumi-host); remove it from Pulumi.yaml"
        )
    toolchain = options.get("toolchain", "auto")
    if not isinstance(toolchain, str):
        raise HostError("toolchain option must be a string")
    if toolchain not in ("pip", "poetry", "uv", "auto"):
        raise HostError(f"unsupported toolchain option: {toolchain}")
    if toolchain in ("poetry", "uv"):
        raise HostError(
            f"the {toolchain} toolchain is not supported by this stand-in language host "
            "(scripts/pulumi-host); use `toolchain: pip`"
        )
    if is_plugin and not virtualenv:
        virtualenv = "venv"
    return PythonOptions(root, program_dir, virtualenv, toolchain)


def system_python() -> str:
    """$PULUMI_PYTHON_CMD, else `python3`, else `python`, looked up on PATH."""
    wanted = os.environ.get("PULUMI_PYTHON_CMD")
    names = [wanted] if wanted else ["python3", "python"]
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise HostError(
        f"failed to locate any of {json.dumps(names)} on your PATH. "
        "Have you installed Python 3.6 or greater?"
    )


def activate(environ: Mapping[str, str], virtualenv: Path) -> dict[str, str]:
    """The environment with the virtualenv activated: bin first on PATH, no PYTHONHOME."""
    env = {k: v for k, v in environ.items() if k not in ("PYTHONHOME", "VIRTUAL_ENV")}
    bin_dir = str(virtualenv / "bin")
    env["PATH"] = os.pathsep.join([bin_dir, env["PATH"]]) if env.get("PATH") else bin_dir
    env["VIRTUAL_ENV"] = str(virtualenv)
    return env


def is_virtualenv(path: Path) -> bool:
    return (path / "bin" / "python").is_file()


def run_streaming(
    argv: Sequence[str],
    *,
    cwd: str | None,
    env: Mapping[str, str],
    out: Writer,
    err: Writer,
) -> tuple[int, bytes]:
    """Run a command, passing its stdout and stderr on as they come; (exit code, stderr)."""
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    captured: list[bytes] = []

    def pump(stream: Any, write: Writer, keep: bool) -> None:
        while chunk := os.read(stream.fileno(), 65536):
            if keep:
                captured.append(chunk)
            write(chunk)

    readers = [
        threading.Thread(target=pump, args=(proc.stdout, out, False), daemon=True),
        threading.Thread(target=pump, args=(proc.stderr, err, True), daemon=True),
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    return proc.wait(), b"".join(captured)


def _exit_status(code: int) -> str:
    """How Go's os/exec words an exit: "exit status 1", "signal: killed"."""
    if code < 0:
        return f"signal: {_signal_name(-code)}"
    return f"exit status {code}"


def _signal_name(number: int) -> str:
    import signal

    try:
        return {signal.SIGKILL: "killed", signal.SIGTERM: "terminated"}.get(
            signal.Signals(number), signal.Signals(number).name
        )
    except ValueError:
        return str(number)


class Pip:
    """The `pip` toolchain for one project (or plugin)."""

    def __init__(self, options: PythonOptions) -> None:
        self.options = options
        self.virtualenv: Path | None = None
        if options.virtualenv:
            path = Path(options.virtualenv)
            self.virtualenv = path if path.is_absolute() else Path(options.root) / path

    # -- running Python ------------------------------------------------------------------------
    def command(self, *args: str) -> tuple[list[str], dict[str, str]]:
        """argv and environment to run the project's Python with these arguments."""
        if self.virtualenv is None:
            return [system_python(), *args], dict(os.environ)
        return [str(self.virtualenv / "bin" / "python"), *args], activate(
            os.environ, self.virtualenv
        )

    def output(self, *args: str, timeout: float = 300) -> str:
        argv, env = self.command(*args)
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise HostError(
                f"calling `{' '.join(argv)}`: {_exit_status(done.returncode)}: "
                f"{done.stderr.strip()}"
            )
        return done.stdout

    # -- the virtualenv ------------------------------------------------------------------------
    def validate_venv(self) -> None:
        """Refuse to run when Pulumi.yaml names a virtualenv that is not there."""
        if self.virtualenv is None or is_virtualenv(self.virtualenv):
            return
        message = "doesn't appear to be a virtual environment"
        if not self.virtualenv.exists():
            message = "doesn't exist"
        python = self.virtualenv / "bin" / "python"
        option, path = json.dumps(self.options.virtualenv), json.dumps(str(self.virtualenv))
        raise HostError(
            f"The 'virtualenv' option in Pulumi.yaml is set to {option}"
            f", but {path} {message}; run the following commands "
            "to create the virtual environment and install dependencies into it:\n\n"
            f"    1. python3 -m venv {self.virtualenv}\n"
            f"    2. {python} -m pip install --upgrade pip setuptools wheel\n"
            f"    3. {python} -m pip install -r requirements.txt\n\n\n"
            "For more information see: "
            "https://www.pulumi.com/docs/intro/languages/python/#virtual-environments"
        )

    def ensure_venv(self, cwd: str, out: Writer, err: Writer) -> None:
        """Create and fill the virtualenv when it is missing or an empty directory."""
        if self.virtualenv is None or is_virtualenv(self.virtualenv):
            return
        if self.virtualenv.exists():
            if not self.virtualenv.is_dir():
                raise HostError(
                    f"the 'virtualenv' option in Pulumi.yaml is set to "
                    f"{json.dumps(str(self.virtualenv))} but it is not a directory"
                )
            if any(self.virtualenv.iterdir()):
                return
        self.install_dependencies(cwd, out, err)

    def install_dependencies(self, cwd: str, out: Writer, err: Writer) -> None:
        """Create the virtualenv, update pip, setuptools and wheel, install requirements.txt."""

        def say(message: str) -> None:
            out(f"{message}\n".encode())

        venv = self.virtualenv
        if venv is not None:
            say("Creating virtual environment...")
            argv = [system_python(), "-m", "venv", str(venv)]
            done = subprocess.run(argv, capture_output=True, env=dict(os.environ))
            if done.returncode != 0:
                output = done.stdout + done.stderr
                if output:
                    err(output + b"\n")
                raise HostError(
                    f"creating virtual environment at '{venv}': {_exit_status(done.returncode)}"
                )
            say("Finished creating virtual environment")

        def pip_install(what: str, *args: str) -> None:
            if venv is None:
                argv = [system_python(), "-m", "pip", "install", *args]
                env = dict(os.environ)
            else:
                argv = [str(venv / "bin" / "python"), "-m", "pip", "install", *args]
                env = activate(os.environ, venv)
            for attempt in range(3):
                code, stderr = run_streaming(argv, cwd=cwd, env=env, out=out, err=err)
                if code == 0:
                    return
                transient = b"because the GET request got Content-Type" in stderr
                if attempt < 2 and transient:
                    err(f"Retrying ({attempt + 1}/3)...\n".encode())
                    continue
                detail = stderr.decode(errors="replace").strip()
                message = f"{what} via '{' '.join(argv)}': {_exit_status(code)}"
                raise HostError(f"{message}: {detail}" if detail else message)

        say("Updating pip, setuptools, and wheel in virtual environment...")
        pip_install(
            "updating pip, setuptools, and wheel", "--upgrade", "pip", "setuptools", "wheel"
        )
        say("Finished updating")
        if not (Path(cwd) / "requirements.txt").exists():
            return
        say("Installing dependencies in virtual environment...")
        pip_install("installing dependencies", "-r", "requirements.txt")
        say("Finished installing dependencies")

    # -- packages ------------------------------------------------------------------------------
    def list_packages(self, *, transitive: bool) -> list[tuple[str, str]]:
        """(normalized name, version) of the installed distributions, from `pip list`."""
        args = ["-m", "pip", "list", "--format", "json"]
        if not transitive:
            args.append("--not-required")
        try:
            raw = json.loads(self.output(*args))
        except ValueError as exc:
            raise HostError(f"parsing `python {' '.join(args)}` output: {exc}") from None
        return [(normalize_name(p["name"]), p["version"]) for p in raw]

    def plugin_json_paths(self, names: Sequence[str]) -> dict[str, str]:
        if not names:
            return {}
        try:
            found = json.loads(self.output("-c", _PLUGIN_JSON_SCRIPT, *names))
        except (HostError, subprocess.SubprocessError, OSError):
            return {}  # as the real host: no paths, not an error
        except ValueError as exc:
            raise HostError(f"failed to parse pulumi-plugin.json paths: {exc}") from None
        return {str(k): str(v) for k, v in found.items()}

    def required_packages(self) -> list[PackageDependency]:
        """The resource plugins the installed Pulumi packages ask for."""
        packages = self.list_packages(transitive=True)
        paths = self.plugin_json_paths([name for name, _ in packages])
        required = []
        for name, version in packages:
            if name in PACKAGES_WITHOUT_PLUGINS:
                continue
            plugin_json: dict[str, Any] | None = None
            path = paths.get(name, "")
            if path:
                try:
                    text = Path(path).read_text()
                except OSError:
                    text = None
                if text is not None:
                    try:
                        plugin_json = json.loads(text)
                    except ValueError as exc:
                        raise HostError(
                            f"failed to parse pulumi-plugin.json for {name}: {exc}"
                        ) from None
            if plugin_json is None and not name.startswith("pulumi-"):
                continue
            dependency = package_dependency(name, version, plugin_json)
            if dependency is not None:
                required.append(dependency)
        return required


def normalize_name(name: str) -> str:
    """PEP 503: lower case, runs of -_. as one '-'."""
    return re.sub(r"[-_.]+", "-", name.lower())


def package_dependency(
    name: str, version: str, plugin_json: Mapping[str, Any] | None
) -> PackageDependency | None:
    """The plugin a Pulumi package needs, or None ("resource": false, or no usable version)."""
    plugin_name = plugin_version = server = ""
    parameterization = None
    if plugin_json is not None:
        if not plugin_json.get("resource"):
            return None
        plugin_name = str(plugin_json.get("name") or "")
        plugin_version = str(plugin_json.get("version") or "")
        server = str(plugin_json.get("server") or "")
        parameterization = plugin_json.get("parameterization")
    if not plugin_name:
        plugin_name = name.removeprefix("pulumi-")
    if not plugin_version:
        try:
            plugin_version = plugin_version_of(version)
        except ValueError:
            return None
    if not plugin_version.startswith("v"):
        plugin_version = "v" + plugin_version
    return PackageDependency(plugin_name, plugin_version, server, parameterization)


def plugin_version_of(version: str) -> str:
    """A PEP 440 version as the plugin's semver: 1.2 -> 1.2.0, 1.2.3a4 -> 1.2.3-alpha.4, ..."""
    if not version:
        raise ValueError("cannot parse empty string")
    if not version.isascii():
        raise ValueError("not ascii")
    if re.match(r"\d+!", version):
        raise ValueError("epochs are not supported")
    match = re.match(r"(\d+(?:\.\d+)*)", version)
    segments = match.group(1).split(".") if match else []
    rest = version[match.end() :] if match else version
    segments += ["0"] * (3 - len(segments))
    result = ".".join(segments)
    pre = re.match(r"(a|b|rc)(\d*)", rest)
    if pre:
        result += {"a": "-alpha.", "b": "-beta.", "rc": "-rc."}[pre.group(1)] + pre.group(2)
        rest = rest[pre.end() :]
    post = re.match(r"\.post(\d*)", rest)
    if post:
        result += "+post" + post.group(1)
        rest = rest[post.end() :]
    dev = re.match(r"\.dev(\d*)", rest)
    if dev:
        result += ("" if post else "+") + "dev" + dev.group(1)
        rest = rest[dev.end() :]
    if rest:
        raise ValueError(f"'{rest}' still unparsed")
    return result


def parameterization_value(value: Any) -> bytes:
    """pulumi-plugin.json carries the parameterization value base64-encoded (Go []byte)."""
    if not value:
        return b""
    return base64.b64decode(str(value))
