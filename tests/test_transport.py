"""The watchdog that makes a deadline hard: it cuts off a read in flight at its
deadline, and never touches an attempt that has finished. Real sockets, a fresh
watchdog per test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from pulumi_rocketmq_migration import transport


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()


def connection(sock: socket.socket) -> Any:
    return SimpleNamespace(sock=sock)


def test_a_read_in_flight_is_cut_off_at_its_deadline(pair):
    ours, _ = pair
    dog = transport._Watchdog()
    started = time.monotonic()
    watch = dog.watch(started + 0.3)
    watch.attach(connection(ours))
    assert ours.recv(1) == b""  # blocked until the watchdog shut the socket down
    assert 0.25 <= time.monotonic() - started < 0.8
    assert watch.expired


def test_an_earlier_deadline_wakes_the_watchdog(pair):
    ours, _ = pair
    dog = transport._Watchdog()
    started = time.monotonic()
    dog.watch(started + 30)
    watch = dog.watch(started + 0.3)
    watch.attach(connection(ours))
    assert ours.recv(1) == b""
    assert time.monotonic() - started < 0.8


def test_a_finished_attempt_is_never_cut_off(pair):
    ours, theirs = pair
    dog = transport._Watchdog()
    watch = dog.watch(time.monotonic() + 0.2)
    watch.attach(connection(ours))
    watch.finish()
    time.sleep(0.4)
    theirs.sendall(b"x")
    assert ours.recv(1) == b"x"
    assert not watch.expired and watch.done


def test_a_connection_attached_after_the_deadline_is_cut_at_once(pair):
    ours, _ = pair
    watch = transport.Watch(time.monotonic())
    watch.expire()
    watch.attach(connection(ours))
    assert ours.recv(1) == b""


def test_expire_due_drops_finished_watches_and_says_when_to_wake():
    dog = transport._Watchdog()
    now = time.monotonic()
    done = dog.watch(now + 100)
    later = dog.watch(now + 200)
    done.finish()
    with dog._wake:  # the watchdog's own thread sleeps until now + 100 meanwhile
        assert dog.expire_due(now + 50) == pytest.approx(150)
        assert not later.expired
        assert dog.expire_due(now + 200) is None
    assert later.expired and not done.expired


def test_calls_are_watched_only_inside_a_cut_off(pair):
    ours, _ = pair
    transport._register(connection(ours))  # outside: nothing to attach to
    with transport.cut_off_at(time.monotonic() + 30) as watch:
        transport._register(connection(ours))
        assert watch._connection is not None
    assert watch.done and watch._connection is None


def test_deadlines_are_kept_by_one_daemon_thread_that_a_thread_dump_names():
    """It never keeps a finished program alive, and a dump (py-spy, faulthandler) says
    what it is; more watches share it."""
    name = "rocketmq-migration-deadlines"
    before = {t for t in threading.enumerate() if t.name == name}
    dog = transport._Watchdog()
    dog.watch(time.monotonic() + 30)
    dog.watch(time.monotonic() + 60)
    started = [t for t in threading.enumerate() if t.name == name and t not in before]
    assert len(started) == 1 and started[0].daemon
