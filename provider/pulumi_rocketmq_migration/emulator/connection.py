"""How the emulator's answers go on and off a connection, whichever facet made them.

The server is a stdlib ThreadingHTTPServer on loopback, with TLS when asked. This
module reads a request's body off the wire (so the next request on a kept-alive
connection parses), writes an answer with ``X-Request-Id`` and a JSON body, and
carries out the faults that act on the connection itself: a body cut short, made
almost JSON or trickled a byte at a time, a TCP reset instead of an answer, or no
answer at all (``hang``).
"""

from __future__ import annotations

import json
import select
import socket
import socketserver
import ssl
import struct
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

from .api import Answer
from .faults import TRICKLE_SECONDS, Damage

CONTENT_TYPE = "application/json;charset=UTF-8"


class LoopbackServer(ThreadingHTTPServer):
    """A threading HTTP server that binds without a name lookup; its threads never block exit."""

    daemon_threads = True
    request_queue_size = 128

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on a bad resolver.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class ApiServer(LoopbackServer):
    """The emulator's endpoint: every request, whatever its method, goes to ``respond``."""

    def __init__(
        self,
        address: tuple[str, int],
        respond: Callable[[Handler], None],
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.respond = respond
        super().__init__(address, Handler)
        if tls is not None:
            # The handshake happens on the first read, in the request's own thread, so a
            # client that never completes it holds up no one else.
            self.socket = tls.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that refused our certificate, or went away, is not our error."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle's algorithm the second one
    # waits for the client's delayed ACK, about 40 ms on every answer.
    disable_nagle_algorithm = True
    server_version = "api-gateway"
    server: ApiServer

    def version_string(self) -> str:
        return self.server_version

    def _dispatch(self) -> None:
        try:
            self.server.respond(self)
        except ConnectionError:
            # The client went away mid-answer (a timeout, a reset): nothing to report.
            self.close_connection = True

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the Recorder is the log."""


@attrs.frozen
class Reply:
    """An answer with its extra headers and how a fault spoils its body, if it does."""

    answer: Answer
    extra: tuple[tuple[str, str], ...] = ()
    damage: Damage = None
    full_length: bool = True
    principal: str | None = None  # who called, once authenticated


def send(handler: Handler, reply: Reply, request_id: str, stopping: threading.Event) -> None:
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


def _trickle(handler: Handler, payload: bytes, stopping: threading.Event) -> None:
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


def read_body(handler: Handler, headers: dict[str, str]) -> bytes:
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


def reset(handler: Handler) -> None:
    """Drop the connection with a TCP RST instead of an answer (SO_LINGER 0, then close)."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.connection.close()


def hang(handler: Handler, stopping: threading.Event) -> None:
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
