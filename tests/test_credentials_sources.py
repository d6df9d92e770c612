"""Each credential source word for word: files, variables, the metadata service and refresh."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pulumi_rocketmq_migration.credentials import (
    Credentials,
    MetadataService,
    MetadataUnavailable,
    Missing,
    RefreshingCredentials,
    load_koocli_profile,
    metadata_endpoint,
    parse_expiry,
    sdk_file_path,
)
from pulumi_rocketmq_migration.errors import (
    CredentialsNotFound,
    InvalidRequest,
    ServiceUnavailable,
)
from pulumi_rocketmq_migration.settings import resolve
from tests.conftest import CLOSED_METADATA

WHERE = {"HW_REGION_NAME": "cn-north-4", "HW_PROJECT_ID": "p", "HW_METADATA_ENDPOINT": "off"}


def refusal(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(InvalidRequest) as caught:
        call(*args, **kwargs)
    return caught.value.field, caught.value.problem


def found(**kwargs) -> Credentials:
    return resolve(**kwargs).credentials.current()


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document))
    return path


# -- variables, config, arguments ----------------------------------------------


def test_the_source_says_which_names_it_read():
    env = {**WHERE, "HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "s", "HW_SECURITY_TOKEN": "t"}
    creds = found(environ=env)
    assert creds.source == "environment ($HW_ACCESS_KEY, $HW_SECRET_KEY, $HW_SECURITY_TOKEN)"
    assert creds.kind == "aksk" and creds.current() is creds
    assert repr(creds) == (
        "Credentials(kind='aksk', source='environment ($HW_ACCESS_KEY, $HW_SECRET_KEY, "
        "$HW_SECURITY_TOKEN)', secrets hidden)"
    )
    token = found(environ={**WHERE, "HW_AUTH_TOKEN": "iam"})
    assert (token.source, token.kind) == ("environment ($HW_AUTH_TOKEN)", "token")
    sdk = found(environ={**WHERE, "HUAWEICLOUD_SDK_AK": "a", "HUAWEICLOUD_SDK_SK": "s"})
    assert sdk.source == "environment ($HUAWEICLOUD_SDK_AK, $HUAWEICLOUD_SDK_SK)"
    args = found(explicit={"access_key": "a", "secret_key": "s"}, environ=WHERE)
    assert args.source == "arguments (access_key, secret_key)"
    config = {
        "huaweicloud:accessKey": "",
        "huaweicloud:access_key": 12345,
        "huaweicloud:secretKey": "s",
    }
    creds = found(config=config, environ=WHERE)
    assert creds.access_key == "12345"
    assert creds.source == "stack config (huaweicloud:access_key, huaweicloud:secretKey)"
    assert Credentials(access_key="a").kind == "token"


def test_empty_values_are_not_set():
    env = {**WHERE, "HW_ACCESS_KEY": "", "HW_SECRET_KEY": "", "HUAWEICLOUD_SDK_AK": "a"}
    env["HUAWEICLOUD_SDK_SK"] = "s"
    assert found(environ=env).access_key == "a"
    explicit = {"access_key": "", "secret_key": None}
    assert found(explicit=explicit, environ=env).access_key == "a"


def test_an_incomplete_set_is_refused_word_for_word():
    assert refusal(resolve, environ={**WHERE, "HW_SECURITY_TOKEN": "t"}) == (
        "credentials",
        "environment has $HW_SECURITY_TOKEN but not access_key or secret_key; credentials are "
        "taken as one set from the first place that has any, never mixed from two: "
        "complete them there, or remove them",
    )
    problem = refusal(resolve, environ={**WHERE, "HW_ACCESS_KEY": "a", "HW_AUTH_TOKEN": "x"})[1]
    assert problem.startswith(
        "environment has $HW_ACCESS_KEY and $HW_AUTH_TOKEN but not secret_key;"
    )


def test_no_credentials_word_for_word(tmp_path):
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(config={}, environ={**WHERE, "HOME": str(tmp_path)})
    assert caught.value.looked_at == (
        "stack config (none of huaweicloud:accessKey/huaweicloud:secretKey/"
        "huaweicloud:securityToken set)",
        "stack config (none of huaweicloud:idpId/huaweicloud:idTokenFile set)",
        "environment (none of $HW_ACCESS_KEY/$HW_SECRET_KEY/$HW_SECURITY_TOKEN/$HW_AUTH_TOKEN set)",
        "environment (none of $HW_ASSUME_ROLE_IDP_ID/$HW_ASSUME_ROLE_ID_TOKEN_FILE/"
        "$HW_ASSUME_ROLE_ID_TOKEN set)",
        "environment (none of $HUAWEICLOUD_SDK_AK/$HUAWEICLOUD_SDK_SK/"
        "$HUAWEICLOUD_SDK_SECURITY_TOKEN set)",
        "environment (none of $HUAWEICLOUD_SDK_IDP_ID/$HUAWEICLOUD_SDK_ID_TOKEN_FILE set)",
        f"SDK credentials file {tmp_path}/.huaweicloud/credentials [basic] (no such file)",
    )
    assert str(Missing("here", "why")) == "here (why)"


@pytest.mark.parametrize(
    ("value", "position"), [("ab\u20ac", 3), (" ab", 1), ("a\x7f", 2), ("a\x00", 2)]
)
def test_a_bad_character_is_named_by_position(value, position):
    env = {**WHERE, "HW_ACCESS_KEY": "a", "HW_SECRET_KEY": value}
    assert refusal(resolve, environ=env) == (
        "secret_key",
        f"from environment ($HW_ACCESS_KEY, $HW_SECRET_KEY): character {position} is not "
        "printable ASCII (keys and tokens are letters, digits and punctuation, without spaces)",
    )
    assert found(environ={**env, "HW_SECRET_KEY": "!~"}).secret_key == "!~"


# -- KooCLI --------------------------------------------------------------------


def profile(**entry):
    return {"name": "d", "accessKeyId": "KAK", "secretAccessKey": "KSK", **entry}


def test_koocli_file_errors_word_for_word(tmp_path):
    absent = tmp_path / "absent.json"
    assert refusal(load_koocli_profile, absent, None) == (
        "sharedConfigFile",
        f"KooCLI config {absent} does not exist (profile 'current')",
    )
    assert refusal(load_koocli_profile, tmp_path, "x") == (
        "sharedConfigFile",
        f"cannot read KooCLI config {tmp_path}: IsADirectoryError",
    )
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{")
    assert refusal(load_koocli_profile, binary, "x") == (
        "sharedConfigFile",
        f"cannot read KooCLI config {binary}: UnicodeDecodeError",
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{\n"profiles": [\n{"accessKeyId": "SECRET",')
    assert refusal(load_koocli_profile, broken, "x") == (
        "sharedConfigFile",
        f"KooCLI config {broken} is not JSON (line 3)",
    )
    for document in ([], {"profiles": {}}):
        path = write(tmp_path / "odd.json", document)
        assert refusal(load_koocli_profile, path, "x") == (
            "sharedConfigFile",
            f"KooCLI config {path} has no profiles list",
        )
    for document in ({"profiles": [profile()]}, {"current": "", "profiles": [profile()]}):
        path = write(tmp_path / "nocurrent.json", document)
        assert refusal(load_koocli_profile, path, None) == (
            "profile",
            f"KooCLI config {path} names no current profile; set huaweicloud:profile or HW_PROFILE",
        )
    path = write(tmp_path / "other.json", {"profiles": [profile(), "junk", profile(name="e")]})
    assert refusal(load_koocli_profile, path, "x") == (
        "profile",
        f"KooCLI config {path} has no profile 'x' (it has: d, e)",
    )
    path = write(tmp_path / "none.json", {"current": "x"})
    assert refusal(load_koocli_profile, path, None) == (
        "profile",
        f"KooCLI config {path} has no profile 'x' (it has: none)",
    )


def test_a_koocli_profile_is_read_field_by_field(tmp_path):
    entry = profile(
        mode=" AKSK ", securityToken=" T ", region=" cn-north-4 ", projectId=42, accessKeyId=" KAK "
    )
    path = write(tmp_path / "c.json", {"current": "d", "profiles": ["junk", entry]})
    loaded = load_koocli_profile(path, None)
    assert (loaded.name, loaded.mode, loaded.access_key, loaded.secret_key) == (
        "d",
        "AKSK",
        "KAK",
        "KSK",
    )
    assert (loaded.security_token, loaded.region, loaded.project_id) == ("T", "cn-north-4", "")
    assert loaded.encrypted is False
    assert loaded.place == f"KooCLI config {path} profile 'd'"
    creds = found(environ={**WHERE, "HW_SHARED_CONFIG_FILE": str(path)})
    assert creds.source == (
        f"KooCLI config {path} profile 'd' (accessKeyId, secretAccessKey, securityToken)"
    )


def test_the_koocli_file_is_named_by_config_or_environment_with_a_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / "k.json", {"current": "d", "profiles": [profile()]})
    other = write(tmp_path / "o.json", {"current": "d", "profiles": [profile(accessKeyId="O")]})
    env = {**WHERE, "HW_SHARED_CONFIG_FILE": str(other)}
    assert found(config={"huaweicloud:sharedConfigFile": "~/k.json"}, environ=env).access_key == (
        "KAK"
    )
    assert found(config={"huaweicloud:shared_config_file": "~/k.json"}, environ=env).access_key == (
        "KAK"
    )
    assert found(config={"huaweicloud:sharedConfigFile": ""}, environ=env).access_key == "O"
    env = {**WHERE, "HW_SHARED_CONFIG_FILE": "~/k.json", "HW_PROFILE": ""}
    assert found(environ=env).access_key == "KAK"


def test_a_koocli_profile_without_keys_says_so(tmp_path):
    path = write(tmp_path / "c.json", {"current": "d", "profiles": [{"name": "d"}]})
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(environ={**WHERE, "HW_SHARED_CONFIG_FILE": str(path)})
    assert caught.value.looked_at[-1] == (
        f"KooCLI config {path} profile 'd' (no accessKeyId/secretAccessKey)"
    )
    path = write(tmp_path / "c.json", {"current": "d", "profiles": [profile(secretAccessKey="")]})
    assert refusal(resolve, environ={**WHERE, "HW_SHARED_CONFIG_FILE": str(path)})[1].startswith(
        f"KooCLI config {path} profile 'd' has accessKeyId but not secret_key;"
    )


@pytest.mark.parametrize(
    ("top", "entry", "encrypted"),
    [
        ({}, {"authEncrypt": "1"}, True),
        ({}, {"authEncrypt": "yes"}, True),
        ({}, {"authEncrypt": " TRUE "}, True),
        ({"cliAuthEncrypt": "true"}, {}, True),
        ({"authEncrypt": "true"}, {"authEncrypt": "false"}, False),
        ({}, {"authEncrypt": "false", "accessKeyId": "a+" * 21}, False),
        ({}, {"accessKeyId": "a+" * 21}, True),
        ({}, {"secretAccessKey": "a/" * 21}, True),
        ({}, {"secretAccessKey": "a=" * 21}, True),
        ({}, {"secretAccessKey": "a=" * 20}, False),
        ({}, {"secretAccessKey": "a" * 60}, False),
        ({}, {"secretAccessKey": "AKX" + "X" * 40}, False),
        ({}, {"secretAccessKey": "a=" * 20 + "a"}, True),
        ({}, {"secretAccessKey": 5}, False),
    ],
)
def test_encrypted_profiles(tmp_path, top, entry, encrypted):
    path = write(tmp_path / "c.json", {"current": "d", "profiles": [profile(**entry)], **top})
    assert load_koocli_profile(path, None).encrypted is encrypted
    if encrypted:
        assert refusal(resolve, environ={**WHERE, "HW_SHARED_CONFIG_FILE": str(path)}) == (
            "sharedConfigFile",
            f"KooCLI config {path} profile 'd' stores its keys encrypted, which only KooCLI can "
            "read; store them unencrypted with `hcloud configure set --cli-auth-encrypt=false`, "
            "or use another source",
        )


# -- the SDK credentials file --------------------------------------------------


def test_where_the_sdk_file_is(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert sdk_file_path({"HUAWEICLOUD_SDK_CREDENTIALS_FILE": "~/c"}) == tmp_path / "c"
    assert sdk_file_path({"HOME": "/h"}) == Path("/h/.huaweicloud/credentials")
    assert sdk_file_path({"USERPROFILE": "/u"}) == Path("/u/.huaweicloud/credentials")
    assert sdk_file_path({"HOME": "/h", "USERPROFILE": "/u"}) == Path("/h/.huaweicloud/credentials")
    assert sdk_file_path({"HUAWEICLOUD_SDK_CREDENTIALS_FILE": ""}) is None
    assert sdk_file_path({}) is None


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"[basic]\nak = X\n[basic]\n", "While reading from {path!r} [line  3]"),
        (b"\xff[basic]\n", "'utf-8' codec can't decode byte 0xff in position 0"),
    ],
)
def test_an_unreadable_sdk_file_is_named_without_its_content(tmp_path, data, problem):
    path = tmp_path / "credentials"
    path.write_bytes(data)
    env = {**WHERE, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)}
    assert refusal(resolve, environ=env) == (
        "credentials file",
        f"cannot read {path}: " + problem.format(path=path),
    )


def test_the_sdk_file_values_are_stripped_and_empty_ones_dropped(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[basic]\nak =  FAK \nsk = FSK\nsecurity_token =\nproject_id =\n")
    env = {**WHERE, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)}
    del env["HW_PROJECT_ID"], env["HW_REGION_NAME"]  # no region: no project from IAM either
    env["HW_DMS_ENDPOINT"] = "http://127.0.0.1:9"
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=env)
    assert caught.value.field == "project_id"
    creds = found(environ={**env, "HW_PROJECT_ID": "p"})
    assert (creds.access_key, creds.security_token) == ("FAK", None)
    assert creds.source == f"SDK credentials file {path} [basic] (ak, sk)"
    assert refusal(resolve, environ={**env, "HW_SHARED_CONFIG_FILE": ""})[0] == "project_id"


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


class Scripted:
    """A loopback metadata service that gives the answers a test scripts, in order."""

    def __init__(self, answers: list[tuple[int, bytes]]) -> None:
        self.answers = answers
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                outer.seen.append((self.command, self.path, dict(self.headers)))
                status, body = outer.answers.pop(0) if outer.answers else (500, b"")
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    started: list[Scripted] = []

    def start(*answers: tuple[int, bytes]) -> Scripted:
        service = Scripted(list(answers))
        started.append(service)
        return service

    yield start
    for service in started:
        service.close()


def keys(expires: str = "2030-01-01T00:00:00Z", **override: object) -> bytes:
    credential = {"access": "MAK", "secret": "MSK", "securitytoken": "MT", "expires_at": expires}
    credential.update(override)
    return json.dumps({"credential": credential}).encode()


def reason(service: Scripted) -> str:
    with pytest.raises(MetadataUnavailable) as caught:
        MetadataService(service.url).fetch()
    return str(caught.value)


def test_metadata_answers_word_for_word(scripted):
    service = scripted((200, keys()))
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
        assert reason(scripted((200, keys(**{key: ""})))) == f"answer has no credential.{key}"
        assert reason(scripted((200, keys(**{key: 7})))) == f"answer has no credential.{key}"
    assert reason(scripted((200, keys(expires="soon")))) == (
        "credential.expires_at 'soon' is not a time"
    )
    closed = MetadataService(CLOSED_METADATA)
    with pytest.raises(MetadataUnavailable) as caught:
        closed.fetch()
    assert str(caught.value) == "no answer: ConnectionError"


def test_the_session_token_handshake_word_for_word(scripted):
    service = scripted((401, b"token please"), (200, b" tok-1 \n"), (200, keys()))
    assert MetadataService(service.url).fetch().access_key == "MAK"
    (_, _, first), (method, path, put), (_, _, second) = service.seen
    assert (method, path) == ("PUT", "/meta-data/latest/api/token")
    assert put["X-Metadata-Token-Ttl-Seconds"] == "21600"
    assert "X-Metadata-Token" not in first and second["X-Metadata-Token"] == "tok-1"
    assert reason(scripted((401, b""), (403, b"no"))) == "session token refused (HTTP 403)"
    assert reason(scripted((401, b""), (200, b"  "))) == "session token refused (HTTP 200)"
    assert reason(scripted((401, b""), (200, b"t"), (401, b""))) == "HTTP 401"
    assert reason(scripted((401, b""), (302, b"t"))) == "session token refused (HTTP 302)"


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2030-01-01T00:00:00Z", 1893456000.0),
        (" 2030-01-01T00:00:00.500000Z ", 1893456000.5),
        ("2030-01-01T00:00:00", 1893456000.0),
        ("2030-01-01T01:00:00+01:00", 1893456000.0),
    ],
)
def test_expiry_times(text, moment):
    assert parse_expiry(text) == moment


def test_an_expiry_without_a_zone_is_utc_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        assert parse_expiry("2030-01-01T00:00:00") == 1893456000.0
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_sdk_file_without_keys_names_its_place(tmp_path):
    for text, why in (("[other]\n", "no [basic] section"), ("[basic]\nx = 1\n", "no ak/sk")):
        path = tmp_path / "credentials"
        path.write_text(text)
        with pytest.raises(CredentialsNotFound) as caught:
            resolve(environ={**WHERE, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)})
        assert caught.value.looked_at[-1] == f"SDK credentials file {path} [basic] ({why})"


def test_a_long_bad_expiry_is_cut():
    with pytest.raises(MetadataUnavailable) as caught:
        parse_expiry("x" * 50)
    assert str(caught.value) == f"credential.expires_at {'x' * 40!r} is not a time"


def iso(moment: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment)) + f".{int(moment % 1 * 1e6):06d}Z"
    )


def temporary(expires_at: float | None) -> Credentials:
    return Credentials("OLD", "OLDSK", "OLDT", source="ECS metadata x", expires_at=expires_at)


def test_credentials_without_an_expiry_are_never_refreshed(scripted):
    service = scripted()
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(None))
    assert refreshing.current().access_key == "OLD"
    assert (refreshing.refreshes, service.seen, refreshing.kind) == (0, [], "aksk")
    assert repr(refreshing) == "RefreshingCredentials(source='ECS metadata x', secrets hidden)"


def test_refreshed_at_half_a_short_lifetime_and_not_before(scripted):
    # 500 s to live: refreshed at 250 s (half), not 600 s before expiry (which is now).
    service = scripted()
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(time.time() + 500))
    assert refreshing.current().access_key == "OLD" and service.seen == []
    # 1300 s to live: refreshed 600 s before expiry, so not yet.
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(time.time() + 1300))
    assert refreshing.current().access_key == "OLD" and service.seen == []


def test_refresh_timing_keeps_old_keys_while_valid_then_fails(scripted):
    start = time.time()
    service = scripted((500, b""), (200, keys(iso(start + 100))))
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(start + 0.8))
    assert refreshing.current().access_key == "OLD" and service.seen == []
    time.sleep(max(0.0, start + 0.45 - time.time()))  # past half the lifetime: due
    assert refreshing.current().access_key == "OLD"  # the refresh failed: old keys kept
    assert len(service.seen) == 1 and refreshing.refreshes == 0
    fresh = refreshing.current()  # due still: refreshed now
    assert (fresh.access_key, refreshing.refreshes, len(service.seen)) == ("MAK", 1, 2)
    assert refreshing.current() is fresh and len(service.seen) == 2  # not due for 50 s


def test_expired_keys_that_cannot_be_refreshed_are_a_service_error(scripted):
    service = scripted((500, b""))
    refreshing = RefreshingCredentials(MetadataService(service.url), temporary(time.time() - 1))
    with pytest.raises(ServiceUnavailable) as caught:
        refreshing.current()
    assert str(caught.value).startswith(
        "temporary credentials from ECS metadata x expired and could not be refreshed: HTTP 500"
    )


def test_the_metadata_source_is_shared_per_address(scripted):
    service = scripted((200, keys()))
    env = {**WHERE, "HW_METADATA_ENDPOINT": service.url}
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
    service = scripted((401, b""), (200, b"t"), (200, keys()))
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


def test_an_empty_value_is_no_value_in_arguments_and_in_stack_config():
    env = {**WHERE, "HW_ACCESS_KEY": "env-ak", "HW_SECRET_KEY": "env-sk"}
    creds = resolve(explicit={"access_key": "", "secret_key": ""}, environ=env).credentials
    assert (creds.access_key, creds.secret_key) == ("env-ak", "env-sk")
    config = {
        "huaweicloud:accessKey": "",
        "huaweicloud:access_key": "cfg-ak",
        "huaweicloud:secretKey": "cfg-sk",
    }
    creds = resolve(config=config, environ=env).credentials
    assert (creds.access_key, creds.secret_key) == ("cfg-ak", "cfg-sk")
