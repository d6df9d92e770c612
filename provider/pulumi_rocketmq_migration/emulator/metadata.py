"""The ECS metadata service, as far as credentials go, on loopback.

An ECS instance with an agency gets temporary keys from
``GET /openstack/latest/securitykey``: ``{"credential": {"access", "secret",
"securitytoken", "expires_at"}}``. Here they live ``lifetime`` seconds and a new set is
issued once the current one is past half its life, so a client that keeps using the
first set past its expiry is refused by the emulator's API, and one that refreshes
is not.

With ``require_token``, the service answers 401 until the caller holds a session
token from ``PUT /meta-data/latest/api/token`` (header
``X-Metadata-Token-Ttl-Seconds``), sent back as ``X-Metadata-Token``. Without an
agency it answers 401 "Please configure Cloud Service Agency first".
"""

from __future__ import annotations

import json
import secrets
import string
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any

import attrs

from .connection import LoopbackServer

SECURITY_KEY_PATH = "/openstack/latest/securitykey"
TOKEN_PATH = "/meta-data/latest/api/token"
NO_AGENCY = "Please configure Cloud Service Agency first"
EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


@attrs.frozen
class TemporaryKey:
    access_key: str
    secret_key: str = attrs.field(repr=False)
    security_token: str = attrs.field(repr=False)
    issued_at: float
    expires_at: float
    # Who holds these keys, as the emulator's record names the caller (never a secret).
    principal: str = "metadata agency"

    def to_json(self) -> dict[str, Any]:
        expires = datetime.fromtimestamp(self.expires_at, timezone.utc)
        return {
            "credential": {
                "access": self.access_key,
                "secret": self.secret_key,
                "securitytoken": self.security_token,
                "expires_at": expires.strftime(EXPIRES_FORMAT),
            }
        }


class TemporaryKeys:
    """Issues temporary keys (the instance agency's, or IAM's) and remembers them for the
    API's auth."""

    def __init__(self, lifetime: float = 3600.0, clock: Callable[[], float] = time.time) -> None:
        self.lifetime = lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._issued: dict[str, TemporaryKey] = {}
        self._current: TemporaryKey | None = None

    def current(self) -> TemporaryKey:
        with self._lock:
            now = self._clock()
            key = self._current
            if key is None or now >= key.issued_at + self.lifetime / 2:
                key = self._current = self._issue(now, self.lifetime, "metadata agency")
            return key

    def issue(self, lifetime: float, principal: str) -> TemporaryKey:
        """A new set for ``principal``, living ``lifetime`` seconds (IAM's exchanges)."""
        with self._lock:
            return self._issue(self._clock(), lifetime, principal)

    def _issue(self, now: float, lifetime: float, principal: str) -> TemporaryKey:
        alphabet = string.ascii_uppercase + string.digits
        key = TemporaryKey(
            access_key="".join(secrets.choice(alphabet) for _ in range(20)),
            secret_key=secrets.token_hex(20),
            security_token=secrets.token_urlsafe(96),
            issued_at=now,
            expires_at=now + lifetime,
            principal=principal,
        )
        self._issued[key.access_key] = key
        return key

    def find(self, access_key: str) -> TemporaryKey | None:
        with self._lock:
            return self._issued.get(access_key)

    def now(self) -> float:
        return self._clock()

    @property
    def issued(self) -> list[TemporaryKey]:
        with self._lock:
            return list(self._issued.values())


class _Server(LoopbackServer):
    def __init__(self, service: MetadataService) -> None:
        self.service = service
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self.server.service._get(self)

    def do_PUT(self) -> None:
        self.server.service._put(self)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class MetadataService:
    """The metadata endpoint on 127.0.0.1 and a free port; ``url`` once started."""

    def __init__(
        self, keys: TemporaryKeys, *, require_token: bool = False, agency: bool = True
    ) -> None:
        self.keys = keys
        self.require_token = require_token
        self.agency = agency
        self.requests: list[tuple[str, str]] = []  # (method, path), in order
        self._tokens: set[str] = set()
        self._server: _Server | None = None

    def start(self) -> MetadataService:
        self._server = _Server(self)
        threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="metadata-emulator",
            daemon=True,
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the metadata service is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _answer(self, handler: _Handler, status: int, body: bytes, kind: str) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _put(self, handler: _Handler) -> None:
        self.requests.append(("PUT", handler.path))
        ttl = handler.headers.get("X-Metadata-Token-Ttl-Seconds", "")
        if handler.path != TOKEN_PATH:
            self._answer(handler, 404, b"not found", "text/plain")
        elif not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            self._answer(handler, 400, b"X-Metadata-Token-Ttl-Seconds: 1 to 21600", "text/plain")
        else:
            token = secrets.token_urlsafe(32)
            self._tokens.add(token)
            self._answer(handler, 200, token.encode(), "text/plain")

    def _get(self, handler: _Handler) -> None:
        self.requests.append(("GET", handler.path))
        if handler.path != SECURITY_KEY_PATH:
            self._answer(handler, 404, b"not found", "text/plain")
        elif not self.agency:
            self._answer(handler, 401, NO_AGENCY.encode(), "text/plain")
        elif self.require_token and handler.headers.get("X-Metadata-Token") not in self._tokens:
            self._answer(handler, 401, b"Unauthorized: session token required", "text/plain")
        else:
            body = json.dumps(self.keys.current().to_json()).encode()
            self._answer(handler, 200, body, "application/json")
