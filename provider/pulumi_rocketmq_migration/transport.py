"""The HTTP session a client sends through, and the cut-off that makes a deadline hard.

Socket timeouts bound each read from a socket, not their sum: a server that sends a
byte just before every read would time out could hold one attempt for ever. So every
attempt is watched: one daemon thread per process shuts down the socket of an attempt
still running at its deadline. The read in flight then fails at once, and the client
ends the call with the deadline's error. Connections register themselves when they
start reading an answer (``getresponse``), through the pool classes urllib3 lets a
PoolManager choose.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager, ProxyManager
from urllib3.response import HTTPResponse


class Watch:
    """One attempt under watch: its deadline, and the connection it is reading from."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self._done = False
        self._connection: HTTPConnection | None = None
        self._lock = threading.Lock()

    def attach(self, connection: HTTPConnection) -> None:
        with self._lock:
            self._connection = connection
            if self.expired:
                _cut(connection)

    def expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            if self._connection is not None:
                _cut(self._connection)

    def finish(self) -> None:
        with self._lock:
            self._done = True
            self._connection = None

    @property
    def done(self) -> bool:
        return self._done


def _cut(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            # The plain socket's shutdown, also for TLS: it wakes a blocked read at once.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread that expires watches at their deadlines, earliest first."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: float) -> Watch:
        watch = Watch(deadline)
        with self._wake:
            earliest = not self._heap or deadline < self._heap[0][0]
            heapq.heappush(self._heap, (deadline, next(self._order), watch))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="rocketmq-migration-deadlines", daemon=True
                )
                self._thread.start()
            elif earliest:
                self._wake.notify()
        return watch

    def _run(self) -> None:
        with self._wake:
            while True:
                self._wake.wait(self.expire_due(time.monotonic()))

    def expire_due(self, now: float) -> float | None:
        """Expire the watches due by ``now``; the seconds until the next one, if any.

        Finished watches are dropped as they come to the front, unexpired.
        """
        while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
            heapq.heappop(self._heap)[2].expire()
        return self._heap[0][0] - now if self._heap else None


_WATCHDOG = _Watchdog()
_watching: ContextVar[Watch | None] = ContextVar("rocketmq_migration_watch", default=None)


@contextlib.contextmanager
def cut_off_at(deadline: float) -> Iterator[Watch]:
    """Requests sent inside are cut off at ``deadline`` (``time.monotonic()`` seconds)."""
    watch = _WATCHDOG.watch(deadline)
    token = _watching.set(watch)
    try:
        yield watch
    finally:
        watch.finish()
        _watching.reset(token)


def _register(connection: HTTPConnection) -> None:
    watch = _watching.get()
    if watch is not None:
        watch.attach(connection)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        _register(self)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        _register(self)
        return super().getresponse()


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> PoolManager:
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, ProxyManager):  # an http(s) proxy; SOCKS keeps its own pools
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


def new_session(verify: bool | str, proxy: str | None = None) -> requests.Session:
    """A pooled session that retries nothing itself and reads nothing from the environment.

    Never netrc (it would replace the signature); the proxy, if any, is the one the
    settings chose (from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as requests would).
    """
    session = requests.Session()
    session.trust_env = False
    if proxy:
        session.proxies = {"http": proxy, "https": proxy}
    # Room for a listing's 32 pages in flight and the provider's four reads beside it.
    adapter = _WatchedAdapter(pool_connections=1, pool_maxsize=40, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.verify = verify
    return session


REQUEST_ID_HEADERS = ("X-Request-Id", "X-Openstack-Request-Id", "X-IAM-Trace-Id")


def request_id(response: requests.Response) -> str | None:
    return next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None)


def tls_problem(host: str, exc: Exception) -> str:
    """One line for a TLS failure; an untrusted certificate says how to trust it."""
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        reason = text.split("certificate verify failed:")[-1].split("(_ssl")[0].strip(" ')\"")
        return (
            f"TLS: the certificate of {host} is not trusted ({reason or 'verify failed'}); "
            "set huaweicloud:cacertFile or HW_CACERT_FILE to the CA that signed it"
        )
    return f"TLS failed talking to {host}: {type(exc).__name__}"
