"""The emulator's HTTP side: a stdlib ThreadingHTTPServer in front of the Service.

A request goes: method check (anything but GET: 405) -> faults -> route -> auth ->
Service -> faults that spoil a 200 -> answer, and is recorded whatever happens, with
the caller's principal once known. IAM's paths (``iam.py``) are answered first, by
the IAM facet, with no faults. Every
answer carries an ``X-Request-Id`` (a uuid4) and a JSON body.

Answers that come from the gateway rather than DMS (body ``{"error_code",
"error_msg", "request_id"}``):

- 404 APIGW.0101: a path other than ``/v2/{project_id}/instances/{instance_id}/metadata``.
- 405 APIGW.0101: a method other than GET (with ``Allow: GET``).
- 429 APIGW.0308: the ``throttle`` fault, with ``Retry-After``.
- 5xx from the ``server_errors`` fault: 500 DMS.00500000, 502 and 503 APIGW.0202
  (backend unavailable), 504 APIGW.0203 (backend timeout).
- 401 APIGW.0301 and 403 APIGW.0302 from ``auth``.
"""

from __future__ import annotations

import json
import re
import select
import socket
import socketserver
import ssl
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, unquote, urlsplit

import attrs

from .api import Answer, Service, error
from .auth import Credentials, Received, Refusal, authenticate
from .faults import TRICKLE_SECONDS, Damage, FaultPlan, Faults
from .iam import IamService
from .metadata import MetadataService, TemporaryKeys
from .record import Recorder, RequestRecord
from .scenario import Scenario

ROUTE = re.compile(r"/v2/([^/]+)/instances/([^/]+)/metadata")
CONTENT_TYPE = "application/json;charset=UTF-8"

NO_SUCH_API = "APIGW.0101"
THROTTLED = "APIGW.0308"
_SERVER_ERRORS = {
    502: ("APIGW.0202", "Backend unavailable"),
    503: ("APIGW.0202", "Backend unavailable"),
    504: ("APIGW.0203", "Backend timeout"),
}
_INTERNAL_ERROR = ("DMS.00500000", "Internal service error, please try again later.")


def _gateway(status: int, code: str, message: str, request_id: str) -> Answer:
    return Answer(status, {"error_code": code, "error_msg": message, "request_id": request_id})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], emulator: Emulator, tls: ssl.SSLContext | None = None
    ) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)
        if tls is not None:
            # The handshake happens on the first read, in the request's own thread, so a
            # client that never completes it holds up no one else.
            self.socket = tls.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that refused our certificate, or went away, is not our error."""

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on a bad resolver.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second one
    # waits for the client's delayed ACK, about 40 ms on every answer.
    disable_nagle_algorithm = True
    server_version = "api-gateway"
    server: _Server

    def version_string(self) -> str:
        return self.server_version

    def _dispatch(self) -> None:
        try:
            self.server.emulator._handle(self)
        except ConnectionError:
            # The client went away mid-answer (a timeout, a reset): nothing to report.
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the Recorder is the log."""


class Emulator:
    """A local DMS metadata endpoint (and IAM) serving a Scenario; a context manager.

    ``with Emulator(Scenario.demo(), access_key=..., secret_key=..., project_id=...) as emu:``
    starts it on 127.0.0.1 and a free port (``emu.base_url``) in a daemon thread.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        access_key: str,
        secret_key: str,
        project_id: str,
        tokens: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        record: str | Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        metadata: MetadataService | None = None,
    ) -> None:
        self.scenario = scenario if scenario is not None else Scenario.demo()
        # The temporary keys the metadata service and IAM issue are accepted too.
        self.metadata = metadata
        keys = metadata.keys if metadata is not None else TemporaryKeys()
        self.credentials = Credentials(
            access_key, secret_key, project_id, frozenset(tokens), temporary=keys
        )
        self.iam = IamService(self.scenario.iam, keys, self.credentials)
        self._address = (host, port)
        self._service = Service(self.scenario, clock)
        self._plan = FaultPlan(self.scenario.faults)
        self._recorder = Recorder(record)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()  # ends the ``hang`` fault's waits
        self._tls: ssl.SSLContext | None = None
        if tls_cert is not None:
            # https, as the real endpoint: the certificate file may hold its chain.
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(str(tls_cert), str(tls_key) if tls_key else None)

    # Lifecycle

    def start(self) -> Emulator:
        """Bind and serve in a daemon thread; ``after_seconds`` count from here."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._server = _Server(self._address, self, self._tls)
        self._stopping.clear()
        self._service.restart_clock()
        # A short poll interval makes stop() quick: shutdown() waits for the next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="rocketmq-emulator",
            daemon=True,
        )
        self._thread.start()
        if self.metadata is not None:
            self.metadata.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        if self.metadata is not None:
            self.metadata.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{self._server.server_name}:{self._server.server_port}"

    # What tests look at and change

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received so far, oldest first (a copy)."""
        return self._recorder.records()

    def clear_requests(self) -> None:
        self._recorder.clear()

    @property
    def faults(self) -> Faults:
        return self._plan.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self.set_faults(faults)

    def set_faults(self, faults: Faults) -> None:
        """Inject ``faults`` from now on, their counters starting at zero."""
        self._plan.set(faults)

    # Serving

    def _handle(self, handler: _Handler) -> None:
        if handler.server is not self._server:
            # A connection kept alive past stop(): a stopped server answers nothing.
            _reset(handler)
            return
        received = time.time()
        request_id = str(uuid.uuid4())
        split = urlsplit(handler.path)
        query = parse_qsl(split.query, keep_blank_values=True)
        raw_headers = list(handler.headers.items())
        headers = {name.lower(): value for name, value in raw_headers}
        body = _read_body(handler, headers)
        reply = self._reply(handler.command, split.path, query, headers, body, request_id)
        # Recorded before anything is sent, so a client that got its answer sees the record.
        self._recorder.add(
            RequestRecord(
                method=handler.command,
                path=split.path,
                query=tuple(query),
                headers=RequestRecord.redact(raw_headers),
                time=received,
                status=reply.answer.status if isinstance(reply, _Reply) else None,
                request_id=request_id,
                principal=reply.principal if isinstance(reply, _Reply) else None,
            )
        )
        if reply == "reset":
            _reset(handler)
        elif reply == "hang":
            _hang(handler, self._stopping)
        else:
            _send(handler, reply, request_id, self._stopping)

    def _reply(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        headers: dict[str, str],
        body: bytes,
        request_id: str,
    ) -> _Reply | Literal["reset", "hang"]:
        """What to answer, or how to not answer: reset the connection, or hang on it."""
        received = Received(method, path, query, headers, body)
        if self.iam.serves(path):
            iam = self.iam.answer(received, _now())
            answer = iam.answer
            if answer.status >= 400:
                answer = Answer(answer.status, {**answer.body, "request_id": request_id})
            return _Reply(answer, extra=iam.headers, principal=iam.principal)
        if method != "GET":
            message = f"The API does not exist: {method} is not allowed here, only GET"
            answer = _gateway(405, NO_SUCH_API, message, request_id)
            return _Reply(answer, extra=(("Allow", "GET"),))
        faults = self._plan.faults
        if faults.latency_seconds:
            time.sleep(faults.latency_seconds)
        before = self._plan.before()
        if before in ("reset", "hang"):
            return "reset" if before == "reset" else "hang"
        if before == "throttle":
            message = "The throttling threshold has been reached: policy user over ratelimit"
            answer = _gateway(429, THROTTLED, message, request_id)
            after = (
                () if faults.retry_after is None else (("Retry-After", str(faults.retry_after)),)
            )
            return _Reply(answer, extra=after)
        if isinstance(before, int):
            code, message = _SERVER_ERRORS.get(before, _INTERNAL_ERROR)
            if code.startswith("APIGW"):
                return _Reply(_gateway(before, code, message, request_id))
            return _Reply(error(before, code, message))
        route = ROUTE.fullmatch(path)
        if route is None:
            message = "The API does not exist or has not been published in the environment"
            return _Reply(_gateway(404, NO_SUCH_API, message, request_id))
        project_id, instance_id = (unquote(part) for part in route.groups())
        caller = authenticate(self.credentials, received, project_id, _now())
        if isinstance(caller, Refusal):
            return _Reply(_gateway(caller.status, caller.code, caller.message, request_id))
        answer = self._service.answer(
            instance_id, query, page_cap=faults.limit_cap, total_offset=self._plan.total_offset
        )
        if answer.status != 200:
            return _Reply(answer, principal=caller)
        damage = self._plan.damage()
        full_length = self._plan.faults.truncated_full_length
        return _Reply(answer, damage=damage, full_length=full_length, principal=caller)


@attrs.frozen
class _Reply:
    """An answer with its extra headers and how a fault spoils its body, if it does."""

    answer: Answer
    extra: tuple[tuple[str, str], ...] = ()
    damage: Damage = None
    full_length: bool = True
    principal: str | None = None  # who called, once authenticated


def _send(handler: _Handler, reply: _Reply, request_id: str, stopping: threading.Event) -> None:
    payload = json.dumps(reply.answer.body).encode("utf-8")
    length = len(payload)
    if reply.damage == "malformed":
        payload = payload[:-1] + b",}"  # a trailing comma: almost JSON, but not
        length = len(payload)
    elif reply.damage == "truncated":
        payload = payload[: len(payload) // 2]
        if not reply.full_length:
            length = len(payload)
    handler.send_response(reply.answer.status)
    handler.send_header("Content-Type", CONTENT_TYPE)
    handler.send_header("Content-Length", str(length))
    handler.send_header("X-Request-Id", request_id)
    for name, value in reply.extra:
        handler.send_header(name, value)
    if length != len(payload) or handler.close_connection:
        # The body is shorter than announced, or the request's body was not read: say we
        # close, or the client puts the connection back in its pool and its next request
        # meets a closed socket.
        handler.send_header("Connection", "close")
        handler.close_connection = True
    handler.end_headers()
    if handler.command == "HEAD":
        return
    if reply.damage == "trickled":
        _trickle(handler, payload, stopping)
    else:
        handler.wfile.write(payload)


def _trickle(handler: _Handler, payload: bytes, stopping: threading.Event) -> None:
    """Send ``payload`` a byte at a time until it is sent, the client hangs up or the
    emulator stops."""
    handler.wfile.flush()
    for index in range(len(payload)):
        if stopping.wait(TRICKLE_SECONDS):
            break
        try:
            handler.wfile.write(payload[index : index + 1])
            handler.wfile.flush()
        except OSError:
            break
    handler.close_connection = True


MAX_BODY = 1 << 20  # larger request bodies are not read; the connection is closed instead


def _read_body(handler: _Handler, headers: dict[str, str]) -> bytes:
    """The request's body, read off the connection so the next request on it parses.

    A body that cannot be read whole (too large, a bad length, bad chunking) leaves bytes
    on the wire: the connection is marked to close after the answer.
    """
    encoding = headers.get("transfer-encoding", "").strip().lower()
    try:
        if encoding == "chunked":
            return _read_chunked(handler.rfile)
        if encoding:
            raise ValueError(f"unsupported transfer-encoding {encoding!r}")
        length = int(headers.get("content-length", "0"))
        if not 0 <= length <= MAX_BODY:
            raise ValueError(f"content-length {length} out of range")
        body = handler.rfile.read(length) if length else b""
        if len(body) != length:
            raise ValueError("the body ended early")
        return body
    except ValueError:
        handler.close_connection = True
        return b""


def _read_chunked(rfile: Any) -> bytes:
    """Decode a chunked body (RFC 9112 section 7.1) and its trailers, at most MAX_BODY."""
    chunks: list[bytes] = []
    size_read = 0
    while True:
        line = rfile.readline(1024)
        if not line.endswith(b"\n"):
            raise ValueError("bad chunk size line")
        size = int(line.split(b";", 1)[0].strip() or b"x", 16)
        if size < 0 or size_read + size > MAX_BODY:
            raise ValueError("chunk size out of range")
        if size == 0:
            break
        chunk = rfile.read(size)
        if len(chunk) != size or rfile.read(2) != b"\r\n":
            raise ValueError("bad chunk")
        chunks.append(chunk)
        size_read += size
    for _ in range(100):  # trailer fields, up to the empty line
        line = rfile.readline(8192)
        if line in (b"\r\n", b"\n"):
            return b"".join(chunks)
        if not line.endswith(b"\n"):
            raise ValueError("bad trailer")
    raise ValueError("too many trailer fields")


def _reset(handler: _Handler) -> None:
    """Drop the connection with a TCP RST instead of an answer (SO_LINGER 0, then close)."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


def _hang(handler: _Handler, stopping: threading.Event) -> None:
    """Answer nothing; return once the client closes its end or the emulator stops."""
    connection = handler.connection
    while not stopping.is_set():
        readable, _, _ = select.select([connection], [], [], 0.05)
        if readable:
            try:
                if not connection.recv(1024, socket.MSG_PEEK):
                    break  # the client gave up and closed the connection
            except OSError:
                break
            time.sleep(0.05)  # data, but no answer will come: keep waiting
    handler.close_connection = True


def _now() -> datetime:
    return datetime.now(timezone.utc)
