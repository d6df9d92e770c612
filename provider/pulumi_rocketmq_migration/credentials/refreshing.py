"""Temporary credentials fetched anew before they expire, one set per exchange and process.

A ``Fetcher`` (the metadata service, a federation or an agency exchange) gives fresh
keys; ``RefreshingCredentials`` holds them and refreshes; ``shared`` keeps one per
exchange so every client, lookup and read of a process uses the same.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Protocol

from ..errors import MigrationTaskError, ServiceUnavailable
from .keys import Credentials

# Refresh this long before expiry (Huawei's Terraform provider uses 10 minutes), or at
# half the lifetime of credentials that live shorter than twice that.
REFRESH_MARGIN = 600.0


class MetadataUnavailable(Exception):
    """No temporary credentials: the metadata service gave none, or an expiry is not a time
    (iam.py turns that into a bad answer of IAM); the message says why, without a secret."""


def parse_expiry(text: str) -> float:
    """``expires_at`` as Unix time: ISO 8601 in UTC, with or without fractions."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise MetadataUnavailable(f"credential.expires_at {text[:40]!r} is not a time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class Fetcher(Protocol):
    """Where temporary credentials come from, again and again: the metadata service, or
    an IAM exchange (federation.py, agency.py)."""

    def fetch(self) -> Credentials:
        """A fresh set; raises MetadataUnavailable or a MigrationTaskError saying why not."""
        ...


class RefreshingCredentials:
    """Temporary credentials, fetched anew before they expire.

    ``current()`` is what a client signs with; it refreshes under a lock when the
    credentials are within the refresh margin of their expiry, so a wait that outlives
    them keeps going. A failed refresh keeps the old ones while they are still valid.
    """

    kind = "aksk"

    def __init__(self, service: Fetcher, first: Credentials) -> None:
        self.service = service
        self.source = first.source
        self._credentials = first
        self._fetched = time.time()
        self._lock = threading.Lock()
        self.refreshes = 0

    def current(self) -> Credentials:
        with self._lock:
            if self._due():
                try:
                    self._credentials = self.service.fetch()
                    self._fetched = time.time()
                    self.refreshes += 1
                except (MetadataUnavailable, MigrationTaskError) as exc:
                    if (self._credentials.expires_at or 0) <= time.time():
                        if isinstance(exc, MigrationTaskError):
                            raise
                        raise ServiceUnavailable(
                            f"temporary credentials from {self.source} expired and could "
                            f"not be refreshed: {exc}"
                        ) from None
            return self._credentials

    def _due(self) -> bool:
        expires = self._credentials.expires_at
        if expires is None:
            return False
        lifetime = max(0.0, expires - self._fetched)
        return time.time() >= expires - min(REFRESH_MARGIN, lifetime / 2)

    def __repr__(self) -> str:
        return f"RefreshingCredentials(source={self.source!r}, secrets hidden)"


# One refreshing set per exchange and process (keyed by what identifies the exchange:
# the metadata address, the identity provider and token file, the agency and its base),
# so every client, lookup and read of a process shares it.
_SHARED: dict[tuple[str, ...], RefreshingCredentials] = {}
_SHARED_LOCK = threading.Lock()


def shared(key: tuple[str, ...], fetcher: Callable[[], Fetcher]) -> RefreshingCredentials:
    """The process's refreshing set for ``key``, fetched the first time it is asked for.

    A first fetch that fails raises and caches nothing, so the next lookup tries again.
    """
    with _SHARED_LOCK:
        known = _SHARED.get(key)
        if known is None:
            service = fetcher()
            known = _SHARED[key] = RefreshingCredentials(service, service.fetch())
        return known


def fingerprint(credentials: Credentials | RefreshingCredentials) -> str:
    """What tells one set of credentials from another in a cache key, without a secret:
    a refreshing set is one object per process; a fixed one, the digest of its key."""
    if isinstance(credentials, RefreshingCredentials):
        return f"refreshing {id(credentials)}"
    secret = credentials.access_key or credentials.auth_token
    return hashlib.sha256(f"{credentials.source}\0{secret}".encode()).hexdigest()
