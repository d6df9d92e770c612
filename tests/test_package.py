"""The public API is what __all__ lists, and every name in it resolves."""

from __future__ import annotations

import subprocess
import sys

import pulumi_rocketmq_migration as package


def test_every_public_name_resolves():
    for name in package.__all__:
        assert getattr(package, name) is not None, name


def test_the_client_side_does_not_load_the_pulumi_sdk():
    code = "import sys, pulumi_rocketmq_migration.cli; print('pulumi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
