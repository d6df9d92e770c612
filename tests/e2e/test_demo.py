"""The README's first command, `make demo`, run as a newcomer runs it (the other, `make
test`, is what .ci/run runs)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_demo_as_the_readme_shows_it(pulumi_cli: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## The two commands\n", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    (demo,) = [re.sub(r"\s+#.*", "", line) for line in block.splitlines() if "demo" in line]
    assert demo == "make demo"
    # From a fresh shell, not as a sub-make of `make test` (which would add make's
    # "Entering directory" lines around the demo's output).
    env = {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}
    env["PATH"] = f"{pulumi_cli.parent}{os.pathsep}{os.environ['PATH']}"
    result = subprocess.run(
        demo.split(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert 'status    : "finished"' in result.stdout, "the preview shows the live status"
    assert result.stdout.rstrip().endswith("demo finished")
