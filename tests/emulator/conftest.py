"""Fixtures: the demo scenario served with the test credentials, and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pulumi_rocketmq_migration.emulator import Emulator

from .helpers import DEMO, Client, serve


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with serve(DEMO) as emu:
        yield emu


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    c = Client(emulator)
    yield c
    c.session.close()
