"""The HTTP side: methods, the request log, its JSON-lines file, concurrent clients."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest
import requests

from pulumi_rocketmq_migration.emulator import Emulator, Scenario

from .helpers import DEMO, DEMO_INSTANCE, SK, TOKEN, Client, metadata_path, serve


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_anything_but_get_is_a_405_and_recorded(
    client: Client, emulator: Emulator, method: str
) -> None:
    response = client.request(method, metadata_path(DEMO_INSTANCE.id), body=b'{"a": 1}')
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.json()["error_code"] == "APIGW.0101"
    (record,) = emulator.requests
    assert (record.method, record.status) == (method, 405)
    assert client.get().status_code == 200  # the connection survived the body


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


def test_head_is_a_405_without_a_body(client: Client, emulator: Emulator) -> None:
    response = client.request("HEAD", metadata_path(DEMO_INSTANCE.id))
    assert response.status_code == 405
    assert response.content == b""
    assert emulator.requests[-1].method == "HEAD"


def test_every_request_is_recorded_with_credentials_blanked(
    client: Client, emulator: Emulator
) -> None:
    client.get(query=[("limit", "2"), ("offset", "1")])
    client.get(secret_key="wrong")
    client.get(token=TOKEN, headers={"X-Security-Token": "sts"})
    ok, refused, token = emulator.requests
    assert ok.method == "GET" and ok.status == 200
    assert ok.path == metadata_path(DEMO_INSTANCE.id)
    assert ok.query == (("limit", "2"), ("offset", "1"))
    assert ok.header("Authorization") == "<redacted>"
    assert ok.header("X-Sdk-Date") is not None
    assert refused.status == 401
    assert token.header("X-Auth-Token") == "<redacted>"
    assert token.header("X-Security-Token") == "<redacted>"
    assert ok.time <= refused.time <= token.time
    emulator.clear_requests()
    assert emulator.requests == []


def test_the_record_file_gets_one_json_line_per_request(tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    with serve(DEMO, record=path) as emu:
        client = Client(emu)
        client.get()
        client.request("POST", metadata_path(DEMO_INSTANCE.id))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["method"], r["status"]) for r in lines] == [("GET", 200), ("POST", 405)]
    assert lines[0]["headers"]["Authorization"] == "<redacted>"
    assert lines[0]["request_id"] == emu.requests[0].request_id
    assert SK not in path.read_text()
    assert "Signature=" not in path.read_text()


def test_concurrent_clients_get_consistent_answers(emulator: Emulator) -> None:
    expected = Client(emulator).get(query=[("limit", "3"), ("offset", "2")]).json()
    failures: list[str] = []

    def work() -> None:
        client = Client(emulator)
        for _ in range(50):
            body = client.get(query=[("limit", "3"), ("offset", "2")]).json()
            if body != expected:
                failures.append(json.dumps(body))
        client.session.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(emulator.requests) == 1 + 8 * 50
    assert len({r.request_id for r in emulator.requests}) == 401


def test_concurrent_reads_are_all_counted() -> None:
    timeline = [{"status": "creating"}, {"status": "finished", "after_reads": 200}]
    task = {"id": "t", "name": "t", "start_date": "d", "type": "rocketmq", "timeline": timeline}
    with serve(Scenario.from_dict({"instances": [{"id": "i", "tasks": [task]}]})) as emu:

        def work() -> None:
            client = Client(emu)
            for _ in range(25):
                client.get("i")

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert Client(emu).get("i").json()["task"][0]["status"] == "finished"


def test_the_emulator_starts_once_and_stops_cleanly() -> None:
    emu = serve(DEMO)
    with pytest.raises(RuntimeError):
        _ = emu.base_url
    with emu:
        url = emu.base_url
        assert url.startswith("http://127.0.0.1:")
        with pytest.raises(RuntimeError):
            emu.start()
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)
    emu.stop()  # idempotent
