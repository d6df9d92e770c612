"""Who may call the emulator: an AK/SK signature or a known IAM token, for one project.

Refusals answer the way Huawei Cloud's API gateway does, with
``{"error_code", "error_msg", "request_id"}``:

- 401 APIGW.0301 "Incorrect IAM authentication information: ...": no credentials, an
  unknown token ("decrypt token fail"), a malformed Authorization header, an unknown
  access key ("ak not exist"), X-Sdk-Date missing, unparseable or more than 15 minutes
  from the server's clock, or a signature that does not verify ("verify aksk signature
  fail").
- 403 APIGW.0302 "The IAM user is not authorized to access the API: ...": the
  project id in the path, or in an X-Project-Id header, is not the emulator's project.

An X-Auth-Token is checked instead of a signature whenever one is sent. A temporary
access key (issued by the metadata service or by IAM) must come with its own
X-Security-Token and is refused once expired.

``identify`` is the first half, shared with the IAM facet: who signed, or why not. A
caller is named by a principal (``permanent``, ``token``, or the temporary key's own,
such as ``agency domain/name``), never by a key, so the record can show who called.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone

import attrs

from .. import signer
from .metadata import TemporaryKeys

UNAUTHENTICATED = "APIGW.0301"
FORBIDDEN = "APIGW.0302"
MAX_CLOCK_SKEW = timedelta(minutes=15)

PERMANENT = "permanent"
TOKEN = "token"

_IAM = "Incorrect IAM authentication information: "
_DENIED = "The IAM user is not authorized to access the API: "


@attrs.frozen
class Credentials:
    """What the emulator accepts: one AK/SK pair, some tokens, one project, and the
    temporary keys its metadata service or IAM issued, each with its security token."""

    access_key: str
    secret_key: str = attrs.field(repr=False)
    project_id: str
    tokens: frozenset[str] = attrs.field(factory=frozenset, repr=False)
    temporary: TemporaryKeys | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Received:
    """A request as received: ``path`` as sent, decoded query pairs, lowercase header names."""

    method: str
    path: str
    query: Sequence[tuple[str, str]]
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(default=b"", repr=False)


@attrs.frozen
class Refusal:
    """Why a request is refused: status, APIGW code and message."""

    status: int
    code: str
    message: str


def _unauthenticated(reason: str) -> Refusal:
    return Refusal(401, UNAUTHENTICATED, _IAM + reason)


def _check_signature(
    credentials: Credentials,
    request: Received,
    now: datetime,
) -> str | Refusal:
    try:
        parsed = signer.parse_authorization(request.headers.get("authorization", ""))
    except ValueError as exc:
        return _unauthenticated(f"verify aksk signature fail, {exc}")
    secret_key = credentials.secret_key
    principal = PERMANENT
    if parsed.access_key != credentials.access_key:
        temporary = credentials.temporary.find(parsed.access_key) if credentials.temporary else None
        if temporary is None:
            return _unauthenticated("Get secretKey failed, err: ak not exist")
        if request.headers.get("x-security-token") != temporary.security_token:
            return _unauthenticated(
                "verify aksk signature fail, the X-Security-Token is missing or is not the "
                "token of this temporary access key"
            )
        if now.timestamp() >= temporary.expires_at:
            return _unauthenticated("the security token has expired")
        secret_key = temporary.secret_key
        principal = temporary.principal
    date_text = request.headers.get("x-sdk-date")
    if date_text is None:
        return _unauthenticated("verify aksk signature fail, the X-Sdk-Date header is missing")
    try:
        date = datetime.strptime(date_text, signer.SDK_DATE_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return _unauthenticated(
            f"verify aksk signature fail, X-Sdk-Date {date_text!r} is not in the "
            f"{signer.SDK_DATE_FORMAT} format"
        )
    if abs(now - date) > MAX_CLOCK_SKEW:
        return _unauthenticated(
            f"verify aksk signature fail, X-Sdk-Date {date_text} is more than 15 minutes "
            "from the server time"
        )
    if not signer.verify(
        request.method, request.path, request.query, request.headers, request.body, secret_key
    ):
        return _unauthenticated("verify aksk signature fail")
    return principal


def identify(
    credentials: Credentials,
    request: Received,
    now: datetime,
) -> str | Refusal:
    """Who sent the request (its principal), or the Refusal to answer with."""
    token = request.headers.get("x-auth-token")
    if token is not None:
        return TOKEN if token in credentials.tokens else _unauthenticated("decrypt token fail")
    if "authorization" in request.headers:
        return _check_signature(credentials, request, now)
    return _unauthenticated(
        "Unauthorized, the request carries neither an X-Auth-Token nor an "
        f"{signer.ALGORITHM} Authorization header"
    )


def authenticate(
    credentials: Credentials,
    request: Received,
    project_id: str,
    now: datetime,
) -> str | Refusal:
    """The caller's principal when the request may proceed, else the Refusal to answer with.

    ``project_id`` is the one in the path and ``now`` is an aware datetime.
    """
    caller = identify(credentials, request, now)
    if isinstance(caller, Refusal):
        return caller
    if project_id != credentials.project_id:
        return Refusal(403, FORBIDDEN, _DENIED + f"project {project_id} is not this user's")
    header_project = request.headers.get("x-project-id")
    if header_project is not None and header_project != credentials.project_id:
        return Refusal(
            403, FORBIDDEN, _DENIED + f"X-Project-Id {header_project} is not this user's project"
        )
    return caller
