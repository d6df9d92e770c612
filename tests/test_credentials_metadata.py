"""The ECS metadata service (credentials/metadata.py): its answers, the session-token
handshake, and giving up in seconds."""

from __future__ import annotations

import json
import socket
import threading
import time

import attrs
import pytest

from pulumi_rocketmq_migration.client import MigrationClient
from pulumi_rocketmq_migration.credentials.keys import Credentials
from pulumi_rocketmq_migration.credentials.metadata import MetadataService, metadata_endpoint
from pulumi_rocketmq_migration.credentials.refreshing import (
    MetadataUnavailable,
    RefreshingCredentials,
)
from pulumi_rocketmq_migration.errors import (
    AuthError,
    CredentialsNotFound,
)
from pulumi_rocketmq_migration.listing import read_tasks
from pulumi_rocketmq_migration.settings import Settings, resolve
from tests.conftest import CLOSED_METADATA, INSTANCE_ID, PROJECT_ID, Scripted
from tests.test_credentials_chain import TASK_ID
from tests.test_credentials_static import NO_METADATA

# -- ECS metadata --------------------------------------------------------------


def metadata_env(emulator) -> dict[str, str]:
    return {"HW_PROJECT_ID": PROJECT_ID, "HW_METADATA_ENDPOINT": emulator.metadata.url}


def test_metadata_keys_sign_requests_with_their_security_token(serve_metadata):
    emulator = serve_metadata()
    settings = resolve(explicit={"endpoint": emulator.base_url}, environ=metadata_env(emulator))
    assert isinstance(settings.credentials, RefreshingCredentials)
    assert "ECS metadata" in repr(settings.credentials)
    with MigrationClient(settings) as client:
        assert len(read_tasks(client, INSTANCE_ID)) == 1
    assert emulator.metadata.requests == [("GET", "/openstack/latest/securitykey")]
    # A listing of one task is two pages: a short first page may be a silent cap.
    assert [r.status for r in emulator.requests] == [200, 200]
    assert all(r.header("X-Security-Token") == "<redacted>" for r in emulator.requests)


def test_the_session_token_handshake_when_the_service_asks_for_one(serve_metadata):
    emulator = serve_metadata(require_token=True)
    settings = resolve(explicit={"endpoint": emulator.base_url}, environ=metadata_env(emulator))
    with MigrationClient(settings) as client:
        assert len(read_tasks(client, INSTANCE_ID)) == 1
    assert emulator.metadata.requests == [
        ("GET", "/openstack/latest/securitykey"),
        ("PUT", "/meta-data/latest/api/token"),
        ("GET", "/openstack/latest/securitykey"),
    ]


def test_an_instance_without_an_agency_is_a_reason_not_a_traceback(serve_metadata):
    emulator = serve_metadata(agency=False)
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(explicit={"endpoint": emulator.base_url}, environ=metadata_env(emulator))
    assert f"ECS metadata {emulator.metadata.url} (this instance has no agency)" in str(
        caught.value
    )
    assert emulator.metadata.requests == [("GET", "/openstack/latest/securitykey")]


def test_temporary_keys_are_refreshed_before_they_expire_during_a_long_read(serve_metadata):
    emulator = serve_metadata(lifetime=1.6)
    settings = resolve(explicit={"endpoint": emulator.base_url}, environ=metadata_env(emulator))
    first = settings.credentials.current()
    stale = Settings(**{**attrs.asdict(settings, recurse=False), "credentials": first})
    deadline = time.monotonic() + 3.0  # almost twice the keys' lifetime
    with MigrationClient(settings) as client:
        while time.monotonic() < deadline:
            assert client.get_task(INSTANCE_ID, TASK_ID).task.id == TASK_ID
            time.sleep(0.2)
    assert settings.credentials.refreshes >= 2
    assert len(emulator.metadata.keys.issued) >= 3
    assert all(r.status == 200 for r in emulator.requests)
    # The control: the first keys alone are refused once expired.
    with MigrationClient(stale) as client, pytest.raises(AuthError) as caught:
        client.get_task(INSTANCE_ID, TASK_ID)
    assert "expired" in str(caught.value)


def test_a_temporary_key_needs_its_own_security_token(serve_metadata):
    emulator = serve_metadata()
    key = emulator.metadata.keys.current()
    for token in (None, "someone-elses-token"):
        credentials = Credentials(key.access_key, key.secret_key, token)
        settings = Settings(
            endpoint=emulator.base_url, project_id=PROJECT_ID, credentials=credentials
        )
        with MigrationClient(settings) as client, pytest.raises(AuthError):
            read_tasks(client, INSTANCE_ID)


# -- ECS metadata --------------------------------------------------------------


def test_the_metadata_address():
    assert metadata_endpoint({}) == "http://169.254.169.254"
    assert metadata_endpoint({"HW_METADATA_ENDPOINT": "http://hostX"}) == "http://hostX"
    assert metadata_endpoint({"HW_METADATA_ENDPOINT": " "}) == "http://169.254.169.254"
    assert metadata_endpoint({"HW_METADATA_ENDPOINT": "http://127.0.0.1:5//"}) == (
        "http://127.0.0.1:5"
    )
    for off in ("off", " NONE ", "Disabled"):
        assert metadata_endpoint({"HW_METADATA_ENDPOINT": off}) is None


def metadata_answer(expires: str = "2030-01-01T00:00:00Z", **override: object) -> bytes:
    credential = {"access": "MAK", "secret": "MSK", "securitytoken": "MT", "expires_at": expires}
    credential.update(override)
    return json.dumps({"credential": credential}).encode()


def reason(service: Scripted) -> str:
    with pytest.raises(MetadataUnavailable) as caught:
        MetadataService(service.url).fetch()
    return str(caught.value)


def test_metadata_answers_word_for_word(scripted):
    service = scripted((200, metadata_answer()))
    creds = MetadataService(service.url).fetch()
    assert (creds.access_key, creds.secret_key, creds.security_token) == ("MAK", "MSK", "MT")
    assert creds.source == f"ECS metadata {service.url}"
    assert creds.expires_at == 1893456000.0
    method, path, headers = service.seen[0]
    assert (method, path) == ("GET", "/openstack/latest/securitykey")
    assert "X-Metadata-Token" not in headers
    assert reason(scripted((500, b""))) == "HTTP 500"
    assert reason(scripted((302, b""))) == "HTTP 302"  # never followed
    assert reason(scripted((401, b"Please configure Cloud Service Agency first"))) == (
        "this instance has no agency"
    )
    assert reason(scripted((200, b"{"))) == "answer is not JSON"
    assert reason(scripted((200, b"[]"))) == "answer has no credential object"
    assert reason(scripted((200, b'{"credential": 1}'))) == "answer has no credential object"
    for key in ("access", "secret", "securitytoken", "expires_at"):
        assert (
            reason(scripted((200, metadata_answer(**{key: ""}))))
            == f"answer has no credential.{key}"
        )
        assert (
            reason(scripted((200, metadata_answer(**{key: 7}))))
            == f"answer has no credential.{key}"
        )
    assert reason(scripted((200, metadata_answer(expires="soon")))) == (
        "credential.expires_at 'soon' is not a time"
    )
    closed = MetadataService(CLOSED_METADATA)
    with pytest.raises(MetadataUnavailable) as caught:
        closed.fetch()
    assert str(caught.value) == "no answer: ConnectionError"


def test_the_session_token_handshake_word_for_word(scripted):
    service = scripted((401, b"token please"), (200, b" tok-1 \n"), (200, metadata_answer()))
    assert MetadataService(service.url).fetch().access_key == "MAK"
    (_, _, first), (method, path, put), (_, _, second) = service.seen
    assert (method, path) == ("PUT", "/meta-data/latest/api/token")
    assert put["X-Metadata-Token-Ttl-Seconds"] == "21600"
    assert "X-Metadata-Token" not in first and second["X-Metadata-Token"] == "tok-1"
    assert reason(scripted((401, b""), (403, b"no"))) == "session token refused (HTTP 403)"
    assert reason(scripted((401, b""), (200, b"  "))) == "session token refused (HTTP 200)"
    assert reason(scripted((401, b""), (200, b"t"), (401, b""))) == "HTTP 401"
    assert reason(scripted((401, b""), (302, b"t"))) == "session token refused (HTTP 302)"


def test_the_metadata_source_is_shared_per_address(scripted):
    service = scripted((200, metadata_answer()))
    env = {**NO_METADATA, "HW_METADATA_ENDPOINT": service.url}
    first = resolve(environ=env).credentials
    second = resolve(environ=env).credentials
    assert isinstance(first, RefreshingCredentials) and first is second
    assert first.source == f"ECS metadata {service.url}"
    assert len(service.seen) == 1


def test_the_metadata_service_is_never_reached_through_a_proxy(scripted, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", CLOSED_METADATA)  # a dead proxy: using it would fail
    monkeypatch.setenv("ALL_PROXY", CLOSED_METADATA)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    service = scripted((401, b""), (200, b"t"), (200, metadata_answer()))
    assert MetadataService(service.url).fetch().access_key == "MAK"


def test_a_token_handshake_that_never_answers_is_given_up_on_in_seconds():
    """The GET asks for a session token (401); the PUT for one is accepted, never answered."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        with connection:
            while not stop.is_set():
                request = connection.recv(65536)
                if not request or request.startswith(b"PUT"):
                    stop.wait(30)  # the PUT gets nothing
                    return
                connection.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    try:
        started = time.monotonic()
        service = MetadataService(f"http://127.0.0.1:{listener.getsockname()[1]}")
        with pytest.raises(MetadataUnavailable) as caught:
            service.fetch()
        assert "ReadTimeout" in str(caught.value)
        assert time.monotonic() - started < 10
    finally:
        stop.set()
        listener.close()


def test_a_metadata_service_that_never_answers_is_given_up_on_in_seconds():
    listener = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
    try:
        started = time.monotonic()
        service = MetadataService(f"http://127.0.0.1:{listener.getsockname()[1]}")
        with pytest.raises(MetadataUnavailable) as caught:
            service.fetch()
        assert str(caught.value) == "no answer: ReadTimeout"
        assert time.monotonic() - started < 10
    finally:
        listener.close()
