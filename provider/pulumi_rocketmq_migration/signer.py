"""Huawei Cloud ``SDK-HMAC-SHA256`` AK/SK request signing, one pure step per function.

The steps follow the official Python SDK's ``Signer`` (huaweicloudsdkcore) so a
request signed here is accepted wherever one signed by the SDK is; the test
suite checks the Authorization header byte for byte against it. Each step
returns a string so a failing signature can be narrowed down to one step, the
way botocore splits SigV4. The emulator uses ``parse_authorization`` and
``verify`` to check what the client sends.

Paths are the URL path as sent (already percent-encoded); query pairs and
header values are decoded text.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from urllib.parse import quote, unquote

import attrs

ALGORITHM = "SDK-HMAC-SHA256"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"

HEADER_DATE = "X-Sdk-Date"
HEADER_AUTHORIZATION = "Authorization"
HEADER_CONTENT_SHA256 = "X-Sdk-Content-Sha256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"

# Content types whose bodies the SDK hashes; any other one is sent unsigned.
_HASHED_CONTENT_TYPES = ("application/json", "application/bson")
_SIGNATURE_RE = re.compile(r"[0-9a-f]{64}")


def sdk_date(now: datetime) -> str:
    """The X-Sdk-Date value for ``now``; a naive datetime is taken to be UTC already."""
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc)
    return now.strftime(SDK_DATE_FORMAT)


def _encode(text: str) -> str:
    # UTF-8 percent-encoding of everything but the RFC 3986 unreserved set A-Z a-z 0-9 - . _ ~
    return quote(text, safe="~")


def encode_query(query: Sequence[tuple[str, str]]) -> str:
    """The query string to put on the URL, pairs in the caller's order.

    Every reserved character is percent-encoded (space as %20, '+' as %2B), so
    ``parse_qsl(..., keep_blank_values=True)`` gives the pairs back unchanged and
    the server's canonical form equals the signed one.
    """
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in query)


def canonical_uri(path: str) -> str:
    """Decode the sent path, re-encode each segment, and end it with '/'.

    As the SDK does, an encoded slash (%2F) inside a segment is signed as a
    plain '/', and a path without a trailing slash gets one.
    """
    segments = unquote(path).split("/")
    uri = "/".join(_encode(segment) for segment in segments)
    return uri if uri.endswith("/") else uri + "/"


def canonical_query_string(query: Sequence[tuple[str, str]]) -> str:
    """Pairs sorted by their decoded (key, value), then encoded and joined with '&'.

    Sorting happens before encoding, by code point, so repeated keys are
    ordered by value and an empty value still yields ``key=``.
    """
    return "&".join(f"{_encode(key)}={_encode(value)}" for key, value in sorted(query))


def signed_header_names(headers: Mapping[str, str]) -> list[str]:
    """Every header whose name has no '_', lowercased and sorted, as the SDK signs them."""
    return sorted(name.lower() for name in headers if "_" not in name)


def _lowered(headers: Mapping[str, str]) -> dict[str, str]:
    # Case-insensitive view with trimmed values; a later duplicate wins, as in the SDK.
    return {name.lower(): str(value).strip() for name, value in headers.items()}


def canonical_headers(headers: Mapping[str, str], names: Sequence[str]) -> str:
    """One ``name:trimmed value`` line per signed name, each ending with a newline.

    Raises ValueError when a name to sign is not among ``headers``.
    """
    lowered = _lowered(headers)
    lines = []
    for name in names:
        if name not in lowered:
            raise ValueError(f"signed header {name!r} is missing from the request")
        lines.append(f"{name}:{lowered[name]}")
    return "\n".join(lines) + "\n"


def hashed_payload(body: bytes, content_sha256: str | None = None) -> str:
    """Hex SHA-256 of the body, or ``content_sha256`` (an X-Sdk-Content-Sha256 value) instead.

    The override applies only to a non-empty body: the SDK always hashes an empty one.
    """
    if body and content_sha256:
        return content_sha256
    return hashlib.sha256(body).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    return _lowered(headers).get(name.lower())


def canonical_request(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    names: Sequence[str],
    body: bytes,
) -> str:
    """The six newline-joined parts that get hashed: method, URI, query, headers, names, payload."""
    return "\n".join(
        (
            method.upper(),
            canonical_uri(path),
            canonical_query_string(query),
            canonical_headers(headers, names),
            ";".join(names),
            hashed_payload(body, _header(headers, HEADER_CONTENT_SHA256)),
        )
    )


def string_to_sign(canonical_request: str, date: str) -> str:
    """Algorithm, X-Sdk-Date and the hex SHA-256 of the canonical request, one per line."""
    digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{date}\n{digest}"


def signature(string_to_sign: str, secret_key: str) -> str:
    """Hex HMAC-SHA256 of the string to sign, keyed directly with the secret key (no derivation)."""
    key = secret_key.encode("utf-8")
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def authorization(access_key: str, names: Sequence[str], signature: str) -> str:
    """The Authorization header value."""
    signed = ";".join(names)
    return f"{ALGORITHM} Access={access_key}, SignedHeaders={signed}, Signature={signature}"


def _checked_date(date: str) -> str:
    # The SDK re-formats the parsed X-Sdk-Date for the string to sign; refusing any
    # other spelling keeps the header and the string to sign identical.
    try:
        parsed = datetime.strptime(date, SDK_DATE_FORMAT)
    except ValueError:
        raise ValueError(f"X-Sdk-Date {date!r} is not in the {SDK_DATE_FORMAT} format") from None
    if parsed.strftime(SDK_DATE_FORMAT) != date:
        raise ValueError(f"X-Sdk-Date {date!r} is not in the {SDK_DATE_FORMAT} format")
    return date


def sign(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
    date: str,
) -> dict[str, str]:
    """The headers to send: ``headers`` (values trimmed) plus X-Sdk-Date and Authorization.

    ``headers`` must hold Host and everything else that will be sent and signed.
    As the SDK does, a Content-Type other than JSON or BSON adds
    ``X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD``, so such a body is not hashed.
    Raises ValueError on a missing Host, key or secret, or a malformed date.
    """
    if not access_key:
        raise ValueError("access key is required")
    if not secret_key:
        raise ValueError("secret key is required")
    if _header(headers, "Host") is None:
        raise ValueError("the Host header is required")
    managed = (HEADER_DATE.lower(), HEADER_AUTHORIZATION.lower())
    out = {k: str(v).strip() for k, v in headers.items() if k.lower() not in managed}
    content_type = _header(headers, "Content-Type")
    if (
        content_type
        and not content_type.startswith(_HASHED_CONTENT_TYPES)
        and _header(headers, HEADER_CONTENT_SHA256) is None
    ):
        out[HEADER_CONTENT_SHA256] = UNSIGNED_PAYLOAD
    out[HEADER_DATE] = _checked_date(date)
    names = signed_header_names(out)
    request = canonical_request(method, path, query, out, names, body)
    mac = signature(string_to_sign(request, date), secret_key)
    out[HEADER_AUTHORIZATION] = authorization(access_key, names, mac)
    return out


@attrs.frozen
class ParsedAuthorization:
    """The three fields of an ``SDK-HMAC-SHA256`` Authorization header."""

    access_key: str
    signed_headers: tuple[str, ...]
    signature: str


_FIELDS = ("Access", "SignedHeaders", "Signature")


def parse_authorization(value: str) -> ParsedAuthorization:
    """Split an Authorization header into its fields.

    Raises ValueError naming what is wrong, so the emulator can answer with it.
    """
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise ValueError(f"Authorization must start with {ALGORITHM!r}, got {algorithm!r}")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, eq, field = part.strip().partition("=")
        if not eq:
            raise ValueError(f"Authorization part {part.strip()!r} is not key=value")
        if key not in _FIELDS:
            raise ValueError(f"Authorization has an unknown field {key!r}")
        if key in fields:
            raise ValueError(f"Authorization repeats the field {key!r}")
        if not field:
            raise ValueError(f"Authorization field {key!r} is empty")
        if any(ch.isspace() for ch in field):
            raise ValueError(f"Authorization field {key!r} contains whitespace; is a ',' missing?")
        fields[key] = field
    missing = [key for key in _FIELDS if key not in fields]
    if missing:
        raise ValueError(f"Authorization lacks the field(s) {', '.join(missing)}")
    names = tuple(fields["SignedHeaders"].split(";"))
    if any(not name or name != name.lower() for name in names):
        raise ValueError("Authorization SignedHeaders must be non-empty lowercase names")
    if not _SIGNATURE_RE.fullmatch(fields["Signature"]):
        raise ValueError("Authorization Signature must be 64 lowercase hex digits")
    return ParsedAuthorization(fields["Access"], names, fields["Signature"])


def verify(
    method: str,
    path: str,
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, str],
    body: bytes,
    secret_key: str,
) -> bool:
    """Whether a received request carries a valid signature made with ``secret_key``.

    ``headers`` are as received (names in any case, unsigned extras allowed);
    ``query`` is the decoded pairs. Host and X-Sdk-Date must be signed, and so
    must X-Sdk-Content-Sha256 when it is sent, or the body would go unchecked.
    The date's age is not checked here. Anything malformed is simply False.
    """
    lowered = _lowered(headers)
    try:
        parsed = parse_authorization(lowered.get(HEADER_AUTHORIZATION.lower(), ""))
        date = _checked_date(lowered.get(HEADER_DATE.lower(), ""))
    except ValueError:
        return False
    required = {"host", HEADER_DATE.lower()}
    if HEADER_CONTENT_SHA256.lower() in lowered:
        required.add(HEADER_CONTENT_SHA256.lower())
    if not required.issubset(parsed.signed_headers):
        return False
    try:
        request = canonical_request(method, path, query, lowered, parsed.signed_headers, body)
    except ValueError:
        return False
    expected = signature(string_to_sign(request, date), secret_key)
    return hmac.compare_digest(expected, parsed.signature)
