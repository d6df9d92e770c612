"""The connection (connection.py): a request body is read whole, or the connection closes."""

from __future__ import annotations

import socket

import pytest

from pulumi_rocketmq_migration.emulator import Emulator

from .helpers import DEMO_INSTANCE, Client, metadata_path


def test_a_chunked_upload_is_a_405_and_the_next_request_still_works(
    client: Client, emulator: Emulator
) -> None:
    url = emulator.base_url + metadata_path(DEMO_INSTANCE.id)
    response = client.session.post(url, data=iter([b"chunk-1", b"chunk-2"]), timeout=10)
    assert response.status_code == 405
    assert client.get().status_code == 200


def _exchange(emulator: Emulator, raw: bytes) -> bytes:
    """Send raw bytes on one connection; everything the emulator answers until it closes."""
    host, port = emulator.base_url.split("://", 1)[1].rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(raw)
        conn.shutdown(socket.SHUT_WR)  # the emulator closes after the last answer
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


def _post_chunked(path: str, chunks: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".encode() + chunks
    )


def test_a_chunked_body_is_read_whole_so_the_connection_carries_the_next_request(
    emulator: Emulator,
) -> None:
    path = metadata_path(DEMO_INSTANCE.id)
    chunks = b"7\r\nchunk-1\r\n7;ext=1\r\nchunk-2\r\n0\r\nX-Trailer: t\r\n\r\n"
    raw = _post_chunked(path, chunks) + f"OPTIONS {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    received = _exchange(emulator, raw)
    assert received.count(b"HTTP/1.1 405 ") == 2  # both answered on one connection
    assert b"Connection: close" not in received
    assert [r.method for r in emulator.requests] == ["POST", "OPTIONS"]


@pytest.mark.parametrize(
    "chunks", [b"zz\r\nchunk-1\r\n0\r\n\r\n", b"ffffffff\r\n", b"3\r\nchunk-1\r\n"]
)
def test_a_body_that_cannot_be_read_gets_its_answer_with_connection_close(
    emulator: Emulator, chunks: bytes
) -> None:
    received = _exchange(emulator, _post_chunked(metadata_path(DEMO_INSTANCE.id), chunks))
    assert received.startswith(b"HTTP/1.1 405 ")
    assert b"\r\nConnection: close\r\n" in received
    assert received.count(b"HTTP/1.1 ") == 1
