"""No test may reach past loopback: a guard at the socket layer, always on.

Every ``connect``, ``connect_ex`` and ``sendto`` of an INET socket to an address that
is not loopback, and every name lookup of a host that is not ``localhost``, is refused
before the real call is made, so no packet (not even a DNS query) leaves the machine.
The refusal raises, and is also recorded: a test whose code swallowed the error still
fails at teardown. 169.254.169.254, the ECS metadata address, is the case this exists
for. Subprocesses are outside its reach; they get ``HW_METADATA_ENDPOINT`` pointed at
loopback instead (tests/conftest.py, tests/e2e/harness.py).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto
_real_getaddrinfo = socket.getaddrinfo

violations: list[str] = []


class NonLoopbackConnection(RuntimeError):
    """A test tried to reach an address outside loopback; nothing was sent."""


def is_loopback_host(host: Any) -> bool:
    if not isinstance(host, str):
        host = host.decode() if isinstance(host, bytes) else str(host)
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False  # a name would be resolved: that is a packet too


def _refuse(what: str, host: Any) -> None:
    message = f"test tried to {what} {host!r}, which is not loopback; nothing was sent"
    violations.append(message)
    raise NonLoopbackConnection(message)


def _check(sock: socket.socket, address: Any, what: str) -> None:
    inet = sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple)
    if inet and not is_loopback_host(address[0]):
        _refuse(what, address[0])


def _connect(self: socket.socket, address: Any) -> None:
    _check(self, address, "connect to")
    _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address, "connect to")
    return _real_connect_ex(self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    _check(self, args[-1], "send to")
    return _real_sendto(self, data, *args)


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is not None and not is_loopback_host(host):
        _refuse("look up", host)
    return _real_getaddrinfo(host, *args, **kwargs)


def install() -> None:
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]
    socket.getaddrinfo = _getaddrinfo


install()


@pytest.fixture(autouse=True)
def loopback_only() -> Iterator[None]:
    """Fail the test if anything in it tried to leave loopback, even if the error was caught."""
    violations.clear()
    yield
    if violations:
        found = list(violations)
        violations.clear()
        pytest.fail("; ".join(found), pytrace=False)
