"""SDK-HMAC-SHA256 signing: each step on hand-checked vectors, then the whole
signature against the official huaweicloudsdkcore Signer over many generated
requests, so the emulator and the real service agree with the client."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, quote, urlsplit

import attrs
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer as OfficialSigner

from pulumi_rocketmq_migration import signer as s

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
DATE = "20240102T030405Z"
AK = "AKEXAMPLE"
SK = "SKEXAMPLE"
HOST = "dms.example.com"
PATH = "/v2/pid/instances/abc/metadata"


# --- per-step vectors --------------------------------------------------------


def test_sdk_date_is_utc_on_a_machine_in_another_time_zone(
    machine_in_shanghai: None,
) -> None:
    plus8 = timezone(timedelta(hours=8))
    assert s.sdk_date(datetime(2024, 1, 2, 11, 4, 5, tzinfo=plus8)) == DATE


def test_sdk_date_formats_utc() -> None:
    assert s.sdk_date(datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == DATE
    plus8 = timezone(timedelta(hours=8))
    assert s.sdk_date(datetime(2024, 1, 2, 11, 4, 5, tzinfo=plus8)) == DATE
    assert s.sdk_date(datetime(2024, 1, 2, 3, 4, 5)) == DATE  # naive is taken as UTC


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (PATH, PATH + "/"),
        ("/", "/"),
        ("/v2/", "/v2/"),
        ("/a%20b", "/a%20b/"),
        ("/a b", "/a%20b/"),
        ("/a%2Fb", "/a/b/"),  # an encoded slash is signed as a separator
        ("/a%2fb", "/a/b/"),
        ("/a%7Eb/c~d", "/a~b/c~d/"),
        ("/a+b", "/a%2Bb/"),
        ("/a%2Bb", "/a%2Bb/"),
        ("/a%3Db%26c", "/a%3Db%26c/"),
        ("/%e4%b8%ad", "/%E4%B8%AD/"),
        ("/中", "/%E4%B8%AD/"),
        ("/a//b", "/a//b/"),
        ("/-_.~", "/-_.~/"),
    ],
)
def test_canonical_uri(path: str, expected: str) -> None:
    assert s.canonical_uri(path) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ([], ""),
        ([("b", "2"), ("a", "1")], "a=1&b=2"),
        ([("k", "b"), ("k", "a"), ("j", "z")], "j=z&k=a&k=b"),
        ([("k", "")], "k="),
        ([("", "")], "="),
        ([("q", "a b&c=d+e/f%g?h#i~")], "q=a%20b%26c%3Dd%2Be%2Ff%25g%3Fh%23i~"),
        ([("n", "中")], "n=%E4%B8%AD"),
        ([("e", "😀")], "e=%F0%9F%98%80"),
        ([("k y", "v")], "k%20y=v"),
        # Sorted by the decoded text, by code point, before encoding:
        # '~' (U+007E) sorts before 'é' (U+00E9) although '%C3%A9' < '~'.
        ([("a", "é"), ("a", "~")], "a=~&a=%C3%A9"),
        ([("é", "y"), ("~", "x")], "~=x&%C3%A9=y"),
    ],
)
def test_canonical_query_string(query: list[tuple[str, str]], expected: str) -> None:
    assert s.canonical_query_string(query) == expected


def test_encode_query_keeps_order_and_encodes_everything_reserved() -> None:
    query = [("type", "all"), ("q", "a b+c&d=e"), ("empty", "")]
    assert s.encode_query(query) == "type=all&q=a%20b%2Bc%26d%3De&empty="
    assert s.encode_query([]) == ""


def test_signed_header_names() -> None:
    headers = {
        "Host": HOST,
        "X-Sdk-Date": DATE,
        "Content-Type": "application/json",
        "X_Custom": "skipped: underscores are never signed",
        "x-project-id": "pid",
    }
    assert s.signed_header_names(headers) == ["content-type", "host", "x-project-id", "x-sdk-date"]


def test_canonical_headers() -> None:
    headers = {"Host": f"  {HOST} ", "X-Sdk-Date": DATE, "X-Note": "a  b"}
    names = ["host", "x-note", "x-sdk-date"]
    assert s.canonical_headers(headers, names) == f"host:{HOST}\nx-note:a  b\nx-sdk-date:{DATE}\n"
    assert s.canonical_headers(headers, []) == "\n"
    with pytest.raises(ValueError, match="x-project-id"):
        s.canonical_headers(headers, ["x-project-id"])


def test_hashed_payload() -> None:
    assert s.hashed_payload(b"") == EMPTY_SHA256
    assert s.hashed_payload(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert s.hashed_payload(b"abc", s.UNSIGNED_PAYLOAD) == "UNSIGNED-PAYLOAD"
    assert s.hashed_payload(b"", s.UNSIGNED_PAYLOAD) == EMPTY_SHA256  # empty is always hashed


def test_canonical_request() -> None:
    headers = {"Host": HOST, "X-Sdk-Date": DATE}
    got = s.canonical_request(
        "get", PATH, [("type", "all"), ("limit", "10")], headers, ["host", "x-sdk-date"], b""
    )
    assert got == (
        "GET\n"
        f"{PATH}/\n"
        "limit=10&type=all\n"
        f"host:{HOST}\nx-sdk-date:{DATE}\n"
        "\n"
        "host;x-sdk-date\n"
        f"{EMPTY_SHA256}"
    )


def test_canonical_request_uses_content_sha256_header_for_a_body() -> None:
    headers = {"Host": HOST, "x-sdk-content-sha256": "UNSIGNED-PAYLOAD"}
    got = s.canonical_request("PUT", "/", [], headers, ["host"], b"raw")
    assert got.endswith("\nUNSIGNED-PAYLOAD")


def test_string_to_sign() -> None:
    digest = hashlib.sha256("canonical ✓".encode()).hexdigest()
    assert s.string_to_sign("canonical ✓", DATE) == f"SDK-HMAC-SHA256\n{DATE}\n{digest}"


def test_signature_is_hmac_sha256_hex() -> None:
    # RFC 4231, test case 2.
    assert s.signature("what do ya want for nothing?", "Jefe") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_authorization() -> None:
    sig = "ab" * 32
    assert s.authorization(AK, ["host", "x-sdk-date"], sig) == (
        f"SDK-HMAC-SHA256 Access={AK}, SignedHeaders=host;x-sdk-date, Signature={sig}"
    )


# --- sign() --------------------------------------------------------------------

# Produced once by huaweicloudsdkcore 3.1.219 for this request and pinned here.
PINNED_AUTHORIZATION = (
    "SDK-HMAC-SHA256 Access=AKEXAMPLE, "
    "SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
    "Signature=ff6a5ffd75d757f5274b32e8f3c44f1e351b3f5457658fdd605347f01f07e2d5"
)


def test_sign_pinned_vector() -> None:
    headers = {"Host": HOST, "X-Project-Id": "pid", "Content-Type": "application/json"}
    out = s.sign("GET", PATH, [("type", "all"), ("limit", "10")], headers, b"", AK, SK, DATE)
    assert out == {**headers, "X-Sdk-Date": DATE, "Authorization": PINNED_AUTHORIZATION}
    assert headers == {"Host": HOST, "X-Project-Id": "pid", "Content-Type": "application/json"}


def test_sign_adds_unsigned_payload_for_non_json_content() -> None:
    out = s.sign("PUT", "/", [], {"Host": HOST, "Content-Type": "text/plain"}, b"x", AK, SK, DATE)
    assert out["X-Sdk-Content-Sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-sdk-content-sha256" in s.parse_authorization(out["Authorization"]).signed_headers
    for json_type in ("application/json", "application/json;charset=UTF-8", "application/bson"):
        out = s.sign("PUT", "/", [], {"Host": HOST, "Content-Type": json_type}, b"{}", AK, SK, DATE)
        assert "X-Sdk-Content-Sha256" not in out


def test_sign_trims_values_and_replaces_a_stale_date_or_authorization() -> None:
    headers = {"host": f" {HOST} ", "x-sdk-date": "20000101T000000Z", "authorization": "old"}
    out = s.sign("GET", "/", [], headers, b"", AK, SK, DATE)
    assert set(out) == {"host", "X-Sdk-Date", "Authorization"}
    assert out["host"] == HOST
    assert out["X-Sdk-Date"] == DATE


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"headers": {}}, "the Host header is required"),
        ({"headers": {"host": HOST}}, None),
        ({"access_key": ""}, "access key is required"),
        ({"secret_key": ""}, "secret key is required"),
        (
            {"date": "2024-01-02T03:04:05Z"},
            "X-Sdk-Date '2024-01-02T03:04:05Z' is not in the %Y%m%dT%H%M%SZ format",
        ),
        ({"date": "20240102T3:4:5Z"}, "X-Sdk-Date '20240102T3:4:5Z' is not in the"),
    ],
)
def test_sign_refuses(kwargs: dict[str, object], message: str | None) -> None:
    """Word for word; a Host header in any case is a Host header."""
    args: dict[str, object] = {
        "method": "GET",
        "path": "/",
        "query": [],
        "headers": {"Host": HOST},
        "body": b"",
        "access_key": AK,
        "secret_key": SK,
        "date": DATE,
    }
    args.update(kwargs)
    if message is None:
        assert s.sign(**args)  # type: ignore[arg-type]
        return
    with pytest.raises(ValueError) as caught:
        s.sign(**args)  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)


# --- parse_authorization() -----------------------------------------------------


def test_parse_authorization() -> None:
    parsed = s.parse_authorization(PINNED_AUTHORIZATION)
    assert parsed == s.ParsedAuthorization(
        access_key=AK,
        signed_headers=("content-type", "host", "x-project-id", "x-sdk-date"),
        signature="ff6a5ffd75d757f5274b32e8f3c44f1e351b3f5457658fdd605347f01f07e2d5",
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        parsed.access_key = "other"  # type: ignore[misc]


SIG = "0" * 64


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "must start with"),
        (f"SDK-HMAC-SM3 Access=a, SignedHeaders=host, Signature={SIG}", "must start with"),
        (f"Access=a, SignedHeaders=host, Signature={SIG}", "must start with"),
        (f"SDK-HMAC-SHA256 Access=a, SignedHeaders=h; Signature={SIG}", "'SignedHeaders' contains"),
        (f"SDK-HMAC-SHA256 Access=a SignedHeaders=host, Signature={SIG}", "'Access' contains"),
        (f"SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature={SIG}, X=1", "unknown field"),
        (f"SDK-HMAC-SHA256 Access=a, Access=b, Signature={SIG}", "repeats"),
        (f"SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={SIG}", "empty"),
        (f"SDK-HMAC-SHA256 Access=a, Signature={SIG}", "lacks the field"),
        (f"SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature={SIG}, ", "not key=value"),
        (f"SDK-HMAC-SHA256 Access=a, SignedHeaders=host;;date, Signature={SIG}", "SignedHeaders"),
        (f"SDK-HMAC-SHA256 Access=a, SignedHeaders=Host, Signature={SIG}", "lowercase"),
        ("SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=XYZ", "64 lowercase hex"),
    ],
)
def test_parse_authorization_refuses_malformed(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        s.parse_authorization(value)


# --- verify() --------------------------------------------------------------------

QUERY = [("type", "all"), ("q", "a b&c"), ("q", "")]
BODY = b'{"a": 1}'


def _signed() -> dict[str, str]:
    headers = {
        "Host": HOST,
        "X-Project-Id": "pid",
        "X-Security-Token": "tok+/=",
        "Content-Type": "application/json",
    }
    return s.sign("POST", PATH, QUERY, headers, BODY, AK, SK, DATE)


def test_verify_accepts_a_signed_request() -> None:
    headers = _signed()
    assert s.verify("POST", PATH, QUERY, headers, BODY, SK)
    # As a server sees it: names in another case, unsigned extras, pairs reordered.
    received = {k.lower(): v for k, v in headers.items()}
    received["user-agent"] = "python-requests"
    received["x_unsigned"] = "anything"
    assert s.verify("post", PATH, list(reversed(QUERY)), received, BODY, SK)


@pytest.mark.parametrize("name", ["Host", "X-Project-Id", "X-Security-Token", "Content-Type"])
def test_verify_rejects_a_changed_signed_header(name: str) -> None:
    headers = _signed()
    headers[name] += "x"
    assert not s.verify("POST", PATH, QUERY, headers, BODY, SK)


def test_verify_rejects_a_changed_date() -> None:
    headers = _signed()
    headers["X-Sdk-Date"] = "20240102T030406Z"
    assert not s.verify("POST", PATH, QUERY, headers, BODY, SK)


@pytest.mark.parametrize("name", ["X-Security-Token", "X-Sdk-Date", "Authorization"])
def test_verify_rejects_a_missing_signed_header(name: str) -> None:
    headers = _signed()
    del headers[name]
    assert s.verify("POST", PATH, QUERY, headers, BODY, SK) is False


@pytest.mark.parametrize(
    "query",
    [
        [("type", "all"), ("q", "a b&c"), ("q", "x")],
        [("type", "all"), ("q", "a b&c")],
        [*QUERY, ("limit", "1")],
        [("type", "All"), ("q", "a b&c"), ("q", "")],
        [],
    ],
)
def test_verify_rejects_a_changed_query(query: list[tuple[str, str]]) -> None:
    assert not s.verify("POST", PATH, query, _signed(), BODY, SK)


@pytest.mark.parametrize("path", ["/v2/pid/instances/abd/metadata", "/v2/pid/instances/abc"])
def test_verify_rejects_a_changed_path(path: str) -> None:
    assert not s.verify("POST", path, QUERY, _signed(), BODY, SK)


def test_verify_rejects_a_changed_method_secret_or_body() -> None:
    headers = _signed()
    assert not s.verify("PUT", PATH, QUERY, headers, BODY, SK)
    assert not s.verify("POST", PATH, QUERY, headers, BODY, SK + "x")
    assert not s.verify("POST", PATH, QUERY, headers, b'{"a": 2}', SK)
    assert not s.verify("POST", PATH, QUERY, headers, b"", SK)


def test_verify_rejects_a_changed_access_key_only_through_the_signature() -> None:
    # The access key is not part of the signature; the emulator picks the secret by it.
    headers = _signed()
    headers["Authorization"] = headers["Authorization"].replace(AK, "OTHER")
    assert s.verify("POST", PATH, QUERY, headers, BODY, SK)


def test_verify_rejects_missing_or_malformed_authorization_or_date() -> None:
    headers = _signed()
    assert not s.verify("POST", PATH, QUERY, {**headers, "Authorization": "junk"}, BODY, SK)
    without = {k: v for k, v in headers.items() if k != "Authorization"}
    assert not s.verify("POST", PATH, QUERY, without, BODY, SK)
    assert not s.verify("POST", PATH, QUERY, {**headers, "X-Sdk-Date": "yesterday"}, BODY, SK)


def _hand_signed(headers: Mapping[str, str], names: Sequence[str], body: bytes) -> dict[str, str]:
    request = s.canonical_request("PUT", "/", [], headers, names, body)
    sig = s.signature(s.string_to_sign(request, DATE), SK)
    return {**headers, "Authorization": s.authorization(AK, names, sig)}


def test_verify_requires_host_and_date_to_be_signed() -> None:
    headers = {"Host": HOST, "X-Sdk-Date": DATE}
    assert s.verify("PUT", "/", [], _hand_signed(headers, ["host", "x-sdk-date"], b""), b"", SK)
    assert not s.verify("PUT", "/", [], _hand_signed(headers, ["x-sdk-date"], b""), b"", SK)
    assert not s.verify("PUT", "/", [], _hand_signed(headers, ["host"], b""), b"", SK)


def test_verify_unsigned_payload() -> None:
    headers = {"Host": HOST, "X-Sdk-Date": DATE, "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}
    signed = _hand_signed(headers, ["host", "x-sdk-content-sha256", "x-sdk-date"], b"one")
    # The body is deliberately left out of the signature, as the SDK does for it.
    assert s.verify("PUT", "/", [], signed, b"two", SK)
    # Unless the header itself is signed, it could switch body checking off.
    unsigned = _hand_signed(headers, ["host", "x-sdk-date"], b"one")
    assert not s.verify("PUT", "/", [], unsigned, b"one", SK)


# --- the official SDK as oracle ----------------------------------------------------

ALPHABET = (
    "abcXYZ019-_.~"  # unreserved
    "&=+/ %?#;,:@!$'()*[]"  # reserved and otherwise special
    '"<>\\^`{|}'
    "中文字éß"  # CJK and Latin-1
    "😀🚀"  # outside the BMP
)
KEYS = ("limit", "offset", "type", "name", "k y", "a+b", "名", "", "x=y", "~")
PATH_TEMPLATES = (
    "/v2/{project_id}/instances/{instance_id}/metadata",
    "/v2/{project_id}/instances/{instance_id}/metadata/{task_id}",
    "/v2/{project_id}/instances/{instance_id}/metadata/",
    "/v2/{project_id}/{task_id}",
)
RAW_PATHS = ("/", "/v2/", "/a//b", "/a%2Fb/c", "/a%7eb", "/%E4%B8%AD/x", "/a b/c+d", "/x%zz")
CONTENT_TYPES = (
    "application/json",
    "application/json;charset=UTF-8",
    "application/bson",
    "text/plain",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
)


@attrs.frozen
class Case:
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    body: bytes


def _text(rng: random.Random, longest: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, longest)))


def _path(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(RAW_PATHS)
    template = rng.choice(PATH_TEMPLATES)
    for name in ("project_id", "instance_id", "task_id"):
        value = _text(rng, 12) or "id"
        # As the SDK client fills path parameters (Client._parse_path_params).
        template = template.replace(f"{{{name}}}", quote(value, safe=""))
    return template


def _case(rng: random.Random) -> Case:
    method = rng.choice(("GET", "GET", "POST", "PUT", "DELETE"))
    query = []
    for _ in range(rng.randint(0, 6)):
        key = rng.choice(KEYS) if rng.random() < 0.8 else _text(rng, 5)
        value = "" if rng.random() < 0.15 else _text(rng, 10)
        query.append((key, value))
    if query and rng.random() < 0.3:
        query.append((query[0][0], _text(rng, 4)))  # a repeated key
    headers = [("Host", rng.choice((HOST, "localhost:8080", "127.0.0.1:41234")))]
    if rng.random() < 0.8:
        headers.append((rng.choice(("X-Project-Id", "x-project-id")), "0" * 8 + _hex(rng, 24)))
    if rng.random() < 0.4:
        token = "".join(rng.choice("ABCdef0123+/=") for _ in range(rng.randint(20, 300)))
        headers.append(("X-Security-Token", token))
    if rng.random() < 0.6:
        headers.append(("Content-Type", rng.choice(CONTENT_TYPES)))
    if rng.random() < 0.3:
        note = rng.choice(("  padded ", "a  b", "名前"))
        headers.append((rng.choice(("X-Note", "x-NOTE")), note))
    if rng.random() < 0.2:
        headers.append(("X_Underscored", "never signed"))
    body = b""
    if method != "GET" and rng.random() < 0.8:
        body = _text(rng, 40).encode() if rng.random() < 0.5 else rng.randbytes(rng.randint(1, 64))
    return Case(method, _path(rng), tuple(query), tuple(headers), body)


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def _official(case: Case) -> SdkRequest:
    request = SdkRequest(
        method=case.method,
        schema="https",
        host=case.headers[0][1],
        resource_path=case.path,
        query_params=list(case.query),
        header_params={**dict(case.headers), "X-Sdk-Date": DATE},
        body=case.body,
    )
    return OfficialSigner(BasicCredentials(AK, SK)).sign(request)


def _as_sent(value: str) -> str:
    # The SDK hands header values to requests re-spelt so their UTF-8 bytes go out.
    return value.encode("utf-8").decode("iso-8859-1")


CASES = [_case(random.Random(seed)) for seed in range(400)]


@pytest.mark.parametrize("case", CASES, ids=[f"seed{i}" for i in range(len(CASES))])
def test_matches_the_official_signer(case: Case) -> None:
    official = _official(case)
    ours = s.sign(case.method, case.path, case.query, dict(case.headers), case.body, AK, SK, DATE)
    assert ours["Authorization"] == official.header_params["Authorization"]
    assert {k: _as_sent(v) for k, v in ours.items()} == official.header_params

    # The emulator's view of the SDK's request: its URL decoded, headers as received.
    split = urlsplit(official.uri)
    received_query = parse_qsl(split.query, keep_blank_values=True)
    assert sorted(received_query) == sorted(case.query)
    received_headers = {
        k.lower(): v.encode("iso-8859-1").decode("utf-8") for k, v in official.header_params.items()
    }
    assert s.verify(case.method, split.path, received_query, received_headers, case.body, SK)


@pytest.mark.parametrize("case", CASES[:100], ids=[f"seed{i}" for i in range(100)])
def test_encode_query_round_trips(case: Case) -> None:
    encoded = s.encode_query(case.query)
    decoded = parse_qsl(encoded, keep_blank_values=True)
    assert decoded == list(case.query)
    assert s.canonical_query_string(decoded) == s.canonical_query_string(case.query)
    # The SDK puts its canonical query string on the URL; ours decodes to the same pairs.
    official_query = urlsplit(_official(case).uri).query
    assert s.canonical_query_string(parse_qsl(official_query, keep_blank_values=True)) == (
        s.canonical_query_string(case.query)
    )


def test_the_generated_cases_cover_what_matters() -> None:
    """Guards the generator: the oracle test is only as good as its variety."""
    queries = [q for c in CASES for q in c.query]
    values = "".join(v for _, v in queries)
    assert any(v == "" for _, v in queries)
    assert all(ch in values for ch in "&=+/ %?#中😀")
    assert any(len({k for k, _ in c.query}) < len(c.query) for c in CASES)
    assert any(c.method == "GET" and not c.body for c in CASES)
    assert any(c.body for c in CASES)
    names = {k for c in CASES for k, _ in c.headers}
    assert {"X-Project-Id", "X-Security-Token", "Content-Type", "X_Underscored"} <= names
    types = {v for c in CASES for k, v in c.headers if k == "Content-Type"}
    assert {"text/plain", "application/json"} <= types
    assert any("%2F" in c.path or "%25" in c.path for c in CASES)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("SDK-HMAC-SHA256 Access=a", "Authorization lacks the field(s) SignedHeaders, Signature"),
        (
            f"SDK-HMAC-SHA256 Access=a, SignedHeaders=Host, Signature={SIG}",
            "Authorization SignedHeaders must be non-empty lowercase names",
        ),
        (
            "SDK-HMAC-SHA256 Access=a, SignedHeaders=host, Signature=ABC",
            "Authorization Signature must be 64 lowercase hex digits",
        ),
    ],
)
def test_parse_authorization_refusals_word_for_word(value: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        s.parse_authorization(value)
    assert str(caught.value) == message
