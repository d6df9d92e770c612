"""Run real Pulumi CLI commands against throwaway projects with a local file backend.

Standard library only (no pytest), so scripts/demo.py can use it too; tests/e2e/conftest.py wraps
it in fixtures. Every project gets its own state directory (``PULUMI_BACKEND_URL=file://...``),
its own ``PULUMI_HOME`` and a fixed passphrase for secrets, so nothing touches the user's Pulumi
login or plugins.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_DIR = REPO_ROOT / "examples"
PROGRAMS_DIR = Path(__file__).resolve().parent / "programs"
TEMPLATES_DIR = REPO_ROOT / "templates"
ENSURE_PULUMI = REPO_ROOT / "scripts" / "ensure-pulumi"
HOST_DIR = REPO_ROOT / "scripts" / "pulumi-host"
PINNED_VERSION = (REPO_ROOT / "scripts" / "pulumi-version").read_text().strip().lstrip("v")
# The plugins the engine needs for Python programs and Python dynamic providers.
PYTHON_PLUGINS = ("pulumi-language-python", "pulumi-resource-pulumi-python")
# Pulumi's own YAML language host, which ensure-pulumi builds beside the CLI.
YAML_HOST = "pulumi-language-yaml"
# Where this checkout's console scripts are: the provider plugin among them.
SCRIPTS_DIR = Path(sysconfig.get_path("scripts"))
PLUGIN = "pulumi-resource-rocketmq-migration"

DEFAULT_TIMEOUT = float(os.environ.get("E2E_PULUMI_TIMEOUT", "300"))
# The ECS metadata address every run gets unless told otherwise: a closed loopback port,
# so that no provider, program or CLI started here ever reaches 169.254.169.254.
CLOSED_METADATA = "http://127.0.0.1:1"
# IAM likewise (federation, agencies and the project id of a region ask it).
CLOSED_IAM = "http://127.0.0.1:1"
PASSPHRASE = "e2e-test-passphrase"
HOW_TO_GET_PULUMI = (
    f"The end-to-end tests need the Pulumi CLI v{PINNED_VERSION} with its Python plugins. "
    "Run `make test` (it builds the CLI when needed), or `scripts/ensure-pulumi` and then put "
    '`"$(scripts/ensure-pulumi --print-dir)"` first on PATH.'
)
_COPY_IGNORE = shutil.ignore_patterns(
    "venv", ".venv", "__pycache__", "*.pyc", ".pulumi", "Pulumi.*.yaml"
)


class RunResult(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


class PulumiError(AssertionError):
    """A pulumi command failed or timed out; the message carries its output."""


def _reported_version(pulumi: Path) -> str | None:
    try:
        out = subprocess.run(
            [str(pulumi), "version"],
            capture_output=True,
            text=True,
            timeout=60,
            env=dict(os.environ, PULUMI_SKIP_UPDATE_CHECK="true"),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _has_plugins(bin_dir: Path, path: str) -> bool:
    return all(
        (bin_dir / name).is_file() or shutil.which(name, path=path) for name in PYTHON_PLUGINS
    )


def locate_pulumi() -> tuple[Path | None, str]:
    """Find the pinned CLI: on PATH first, then in ensure-pulumi's cache (without building).

    Returns (path to `pulumi`, "") or (None, why not).
    """
    candidates: list[Path] = []
    on_path = shutil.which("pulumi")
    if on_path:
        candidates.append(Path(on_path))
    try:
        cache_dir = subprocess.run(
            [str(ENSURE_PULUMI), "--print-dir"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout.strip()
        if cache_dir:
            candidates.append(Path(cache_dir) / "pulumi")
    except (OSError, subprocess.SubprocessError):
        pass
    problems = [] if on_path else ["no `pulumi` on PATH"]
    for pulumi in candidates:
        if not (pulumi.is_file() and os.access(pulumi, os.X_OK)):
            problems.append(f"{pulumi} does not exist")
            continue
        version = _reported_version(pulumi)
        if version != f"v{PINNED_VERSION}":
            problems.append(f"{pulumi} reports version {version!r}, not v{PINNED_VERSION}")
            continue
        if not _has_plugins(pulumi.parent, os.environ.get("PATH", "")):
            problems.append(f"{pulumi} has no {' / '.join(PYTHON_PLUGINS)} beside it or on PATH")
            continue
        return pulumi, ""
    return None, "; ".join(problems)


def private_cli(pulumi: Path, bin_dir: Path) -> Path:
    """`pulumi` with this checkout's stand-in language host beside it, in bin_dir.

    ensure-pulumi's cache is shared by every checkout on the machine, and its copies of the
    host follow whichever checkout synced last; a test must run the host it tests. The binary
    is hard-linked (copied across file systems), so the engine finds the host as "bundled"
    beside it. A CLI whose directory has no stand-in host (Pulumi's own host installed beside
    it) is used as it is.
    """
    if not (pulumi.parent / "pulumi_language_python_host.py").is_file():
        return pulumi
    bin_dir.mkdir(parents=True, exist_ok=True)
    target = bin_dir / "pulumi"
    if not target.exists():
        try:
            os.link(pulumi.resolve(), target)
        except OSError:
            shutil.copy2(pulumi.resolve(), target)
    for source in HOST_DIR.iterdir():
        if source.is_file():
            shutil.copy2(source, bin_dir / source.name)
    yaml_host = pulumi.parent / YAML_HOST
    if yaml_host.is_file() and not (bin_dir / YAML_HOST).exists():
        os.symlink(yaml_host.resolve(), bin_dir / YAML_HOST)  # found beside `pulumi`
    return target


def runtime_virtualenv(project_dir: Path) -> str | None:
    """The `runtime.options.virtualenv` of the project's Pulumi.yaml, if it names one."""
    text = (project_dir / "Pulumi.yaml").read_text()
    match = re.search(r"^\s+virtualenv:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    return match.group(1) if match else None


def project_env(
    pulumi: Path, state_dir: Path, home_dir: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment for running `pulumi` against a local file backend."""
    env = dict(os.environ)
    for name in ("PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ACCESS_TOKEN", "PULUMI_STACK"):
        env.pop(name, None)
    venv_bin = sysconfig.get_path("scripts")  # the interpreter running us: has the SDK
    path = [str(pulumi.parent), venv_bin, env.get("PATH", "")]
    env.update(
        PATH=os.pathsep.join(p for p in path if p),
        PULUMI_BACKEND_URL=state_dir.as_uri(),
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_HOME=str(home_dir),
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_SKIP_CONFIRMATIONS="true",
        # Should the engine ever try to download a plugin, it reaches a closed loopback port.
        PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES=".*=http://127.0.0.1:9/",
    )
    env["HW_METADATA_ENDPOINT"] = CLOSED_METADATA
    env["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = CLOSED_IAM
    env.pop("HW_AUTH_URL", None)
    if extra:
        env.update(extra)
    return env


class PulumiProject:
    """A Pulumi project directory plus the environment to run the CLI on one stack of it.

    The stack is created (``pulumi stack select --create``) on the first command that needs it,
    so first write the program (``write_program``, ``copy_example``, ``copy_program``).
    """

    def __init__(
        self,
        workdir: Path,
        pulumi: Path,
        *,
        stack: str = "e2e",
        timeout: float = DEFAULT_TIMEOUT,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.root = Path(workdir)
        self.dir = self.root / "project"
        self.state_dir = self.root / "state"
        self.home_dir = self.root / "pulumi-home"
        for d in (self.dir, self.state_dir, self.home_dir):
            d.mkdir(parents=True, exist_ok=True)
        self.pulumi = Path(pulumi)
        self.stack = stack
        self.timeout = timeout
        self.env = project_env(self.pulumi, self.state_dir, self.home_dir, env)
        self._stack_ready = False

    # -- writing the program -------------------------------------------------------------------
    def write_program(
        self, source: str, *, name: str = "e2e", files: Mapping[str, str] | None = None
    ) -> None:
        """Write Pulumi.yaml (Python runtime) and __main__.py, plus any extra files."""
        (self.dir / "Pulumi.yaml").write_text(f"name: {name}\nruntime: python\n")
        (self.dir / "__main__.py").write_text(source)
        for rel, text in (files or {}).items():
            target = self.dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)

    def copy_program(self, source_dir: Path) -> None:
        """Copy a program directory (Pulumi.yaml, __main__.py, ...) into the project."""
        shutil.copytree(source_dir, self.dir, dirs_exist_ok=True, ignore=_COPY_IGNORE)

    def copy_example(self, name: str, *, install: bool = False) -> None:
        """Copy examples/<name> of this repository into the project (see copied_example)."""
        source = EXAMPLES_DIR / name
        if not (source / "Pulumi.yaml").is_file():
            raise FileNotFoundError(f"{source} is not a Pulumi project (no Pulumi.yaml)")
        self.copy_program(source)
        adopt_copy(self.dir, source, install=install)

    # -- running the CLI -----------------------------------------------------------------------
    @property
    def stack_created(self) -> bool:
        return self._stack_ready

    def ensure_stack(self) -> None:
        if self._stack_ready:
            return
        if not (self.dir / "Pulumi.yaml").is_file():
            raise PulumiError(f"no Pulumi.yaml in {self.dir}: write the program first")
        self._check(self.run("stack", "select", "--create", self.stack, stack=False))
        self._stack_ready = True

    def run(
        self,
        *args: str,
        timeout: float | None = None,
        stack: bool = True,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> RunResult:
        """Run `pulumi <args>` in the project; returns (returncode, stdout, stderr).

        Raises PulumiError when it does not finish within the timeout (the command and its
        plugins are stopped first). With stack=True the stack is created/selected first.
        """
        if stack:
            self.ensure_stack()
        cmd = [str(self.pulumi), "--non-interactive", "--color=never", *args]
        proc = subprocess.Popen(
            cmd,
            cwd=self.dir,
            env={**self.env, **(env or {})},
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # so a timeout can stop the plugins too
        )
        limit = self.timeout if timeout is None else timeout
        try:
            out, err = proc.communicate(input, timeout=limit)
        except subprocess.TimeoutExpired:
            out, err = _stop(proc)
            raise PulumiError(
                f"`pulumi {' '.join(args)}` did not finish within {limit:.0f}s\n"
                f"--- stdout ---\n{out}\n--- stderr ---\n{err}"
            ) from None
        return RunResult(proc.returncode, out, err)

    def _check(self, result: RunResult, what: str = "") -> RunResult:
        if result.returncode != 0:
            raise PulumiError(
                f"`pulumi {what}` exited with {result.returncode}\n"
                f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
            )
        return result

    def _op(self, op: str, extra: Sequence[str], check: bool, timeout: float | None) -> RunResult:
        args = [op, "--stack", self.stack, *extra]
        if op != "preview":
            args.append("--yes")
        result = self.run(*args, timeout=timeout)
        return self._check(result, " ".join(args)) if check else result

    def preview(self, *extra: str, check: bool = True, timeout: float | None = None) -> RunResult:
        return self._op("preview", extra, check, timeout)

    def up(self, *extra: str, check: bool = True, timeout: float | None = None) -> RunResult:
        return self._op("up", extra, check, timeout)

    def refresh(self, *extra: str, check: bool = True, timeout: float | None = None) -> RunResult:
        return self._op("refresh", extra, check, timeout)

    def destroy(self, *extra: str, check: bool = True, timeout: float | None = None) -> RunResult:
        return self._op("destroy", extra, check, timeout)

    def config_set(self, key: str, value: str, *, secret: bool = False) -> None:
        flags = ["--secret"] if secret else ["--plaintext"]
        args = ["config", "set", "--stack", self.stack, *flags, "--", key, value]
        self._check(self.run(*args), f"config set {key}")

    def outputs(self) -> dict[str, Any]:
        """The stack outputs, secrets in clear."""
        args = ["stack", "output", "--stack", self.stack, "--json", "--show-secrets"]
        result = self._check(self.run(*args), " ".join(args))
        return dict(json.loads(result.stdout or "{}"))

    def export(self) -> dict[str, Any]:
        """`pulumi stack export --show-secrets` as a dict."""
        args = ["stack", "export", "--stack", self.stack, "--show-secrets"]
        result = self._check(self.run(*args), " ".join(args))
        return dict(json.loads(result.stdout))

    def export_as_stored(self) -> str:
        """`pulumi stack export` without --show-secrets: what anyone with the state sees."""
        args = ["stack", "export", "--stack", self.stack]
        return self._check(self.run(*args), " ".join(args)).stdout

    def files_on_disk(self) -> str:
        """Every file of the state backend, Pulumi home and project dir, as one text."""
        texts = []
        for root in (self.state_dir, self.home_dir, self.dir):
            for path in sorted(root.rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    texts.append(path.read_bytes().decode("utf-8", "replace"))
        return "\n".join(texts)

    def resources(self) -> list[dict[str, Any]]:
        """The resources recorded in the stack's state."""
        return list(self.export().get("deployment", {}).get("resources") or [])


def diagnostics(stdout: str) -> dict[str, list[str]]:
    """The CLI's "Diagnostics:" section: {"<type> (<name>)": [its messages]}."""
    groups: dict[str, list[str]] = {}
    marker = "\nDiagnostics:\n"  # `up` shows its preview's first: the update's is the last
    lines = stdout.rsplit(marker, 1)[-1].splitlines() if marker in stdout else []
    current: list[str] | None = None
    for line in lines:
        if line and not line.startswith(" "):
            break  # the next section (Outputs:, Resources:)
        if re.fullmatch(r"  \S.*:", line):
            current = groups.setdefault(line.strip()[:-1], [])
        elif line.startswith("    ") and current is not None:
            current.append(line.strip())
    return groups


def adopt_copy(project_dir: Path, source: Path, *, install: bool = False) -> None:
    """Make a copy of an example project work outside the repository, on this checkout.

    requirements.txt's relative paths to the checkout (`-e ../..`) are made absolute. The
    virtualenv Pulumi.yaml names becomes a link to the Python running the tests, which has the
    checkout installed; with install=True it is left for `pulumi install` to create.
    """
    requirements = project_dir / "requirements.txt"
    if requirements.is_file():
        requirements.write_text(absolute_requirements(requirements.read_text(), source))
    venv = runtime_virtualenv(project_dir)
    if venv and not install:
        link = project_dir / venv
        if not link.exists():
            link.symlink_to(Path(sys.prefix), target_is_directory=True)


def overlay_virtualenv(
    venv: Path, distributions: Mapping[str, Mapping[str, object] | None] | None = None
) -> Path:
    """A new virtualenv (no pip of its own) that sees the test's packages, in a second.

    Programs and providers run in it with its own sys.prefix. Each of `distributions` is a
    small fake package (dist-info and top-level package); a mapping value becomes its
    pulumi-plugin.json.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    # addsitedir, not a plain path: the checkout's editable install is itself a .pth hook.
    purelib = sysconfig.get_path("purelib")
    (site / "tests-site.pth").write_text(f"import site; site.addsitedir({purelib!r})\n")
    for name, plugin in (distributions or {}).items():
        module = name.replace("-", "_")
        info = site / f"{module}-1.2.3.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.2.3\n")
        (site / module).mkdir()
        (site / module / "__init__.py").write_text("")
        if plugin is not None:
            (site / module / "pulumi-plugin.json").write_text(json.dumps(dict(plugin)))
    return venv


def absolute_requirements(text: str, base: Path) -> str:
    """requirements.txt with each relative path (`-e ../..`, `../..`) made absolute from base."""
    lines = []
    for line in text.splitlines():
        match = re.fullmatch(
            r"(\s*(?:-e\s+|--editable[=\s]+)?)(\.{1,2}(?:/\S*)?)(\s*(?:#.*)?)", line
        )
        if match:
            path = (base / match.group(2)).resolve()
            line = f"{match.group(1)}{path}{match.group(3)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Interrupt the command's process group (as Pulumi does with plugins), then kill it."""
    for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            return proc.communicate(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
    return "", ""
