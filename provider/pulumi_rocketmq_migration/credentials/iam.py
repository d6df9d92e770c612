"""The IAM calls keyless credentials need, beside them and apart from the DMS client.

As the official SDK (3.1.219) and Huawei's Terraform provider make them:

- federation: ``POST /v3.0/OS-AUTH/id-token/tokens`` (header ``X-Idp-Id``, body
  ``{"auth": {"id_token": {"id"}}}``) answers an unscoped token in ``X-Subject-Token``;
  ``POST /v3.0/OS-CREDENTIAL/securitytokens`` with ``"methods": ["token"]`` turns it
  into temporary keys (6 hours asked, as the SDK does);
- assume role: the same ``securitytokens`` path with ``"methods": ["assume_role"]``,
  signed with the base credentials;
- the project id of a region: ``GET /v3/projects?name=<region>``, signed.

These POSTs are the only non-GET requests this package sends, beside the metadata
service's token handshake. No id token, unscoped token or temporary secret is ever
put in an error: a refusal names the identity provider, the agency and domain, or
the region, and the service's message with any token cut out.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import attrs
import requests

from .. import limits, signer, transport
from ..errors import (
    AuthError,
    InvalidRequest,
    InvalidResponse,
    ServiceError,
    ServiceUnavailable,
    error_for,
)
from .keys import Credentials
from .refreshing import MetadataUnavailable, RefreshingCredentials, fingerprint, parse_expiry

ID_TOKEN_PATH = "/v3.0/OS-AUTH/id-token/tokens"
SECURITY_TOKENS_PATH = "/v3.0/OS-CREDENTIAL/securitytokens"
PROJECTS_PATH = "/v3/projects"
SUBJECT_TOKEN_HEADER = "X-Subject-Token"
FEDERATION_DURATION = 6 * 60 * 60  # what the official SDK asks for
USER_AGENT = "pulumi-rocketmq-migration"
# A connection that fails, or a 429/5xx, is tried again after 0.5 s, then 1 s.
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
PAUSES = (0.5, 1.0)


@attrs.frozen
class IamEndpoint:
    """Where IAM is (scheme://host[:port], no path) and how to reach it: TLS as for DMS,
    the proxy the environment names for it, the same timeouts."""

    url: str
    verify: bool | str = True
    proxy: str | None = attrs.field(default=None, repr=False)
    connect_timeout: float = limits.DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = limits.DEFAULT_READ_TIMEOUT

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def send(
        self,
        method: str,
        path: str,
        what: str,
        *,
        query: Sequence[tuple[str, str]] = (),
        body: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        credentials: Credentials | None = None,
        secrets: Sequence[str] = (),
    ) -> requests.Response:
        """One call, signed with ``credentials`` when given; a 2xx answer, else the error.

        ``secrets`` are cut out of any message the service sends back.
        """
        payload = json.dumps(body).encode() if body is not None else b""
        sent = {"Host": self.host, "User-Agent": USER_AGENT, **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/json;charset=UTF-8"
        url = self.url + path + ("?" + signer.encode_query(query) if query else "")
        with transport.new_session(self.verify, self.proxy) as session:
            for pause in (*PAUSES, None):
                signed = (
                    credentials.authorize(method, path, query, sent, payload)
                    if credentials
                    else sent
                )
                try:
                    answer = session.request(
                        method,
                        url,
                        headers=signed,
                        data=payload or None,
                        timeout=(self.connect_timeout, self.read_timeout),
                        allow_redirects=False,
                    )
                except requests.exceptions.SSLError as exc:
                    raise ServiceUnavailable(transport.tls_problem(self.host, exc)) from None
                except requests.exceptions.RequestException as exc:
                    if pause is None:
                        raise ServiceUnavailable(
                            f"no answer from IAM {self.host} for {what}: {type(exc).__name__}"
                        ) from None
                    time.sleep(pause)
                    continue
                if 200 <= answer.status_code < 300:
                    return answer
                if answer.status_code not in RETRIED_STATUSES or pause is None:
                    raise _refusal(answer, what, secrets)
                time.sleep(pause)
        raise AssertionError  # unreachable: the last attempt returns or raises


def _refusal(answer: requests.Response, what: str, secrets: Sequence[str]) -> ServiceError:
    """IAM's error as a typed one: any 4xx of IAM is a refusal to authenticate (exit 5)."""
    content = answer.content
    for secret in secrets:
        content = content.replace(secret.encode(), b"<redacted>")
    error = error_for(answer.status_code, content, transport.request_id(answer), what)
    if 400 <= answer.status_code < 500 and answer.status_code != 429:
        return AuthError(
            error.message, status=error.status, code=error.code, request_id=error.request_id
        )
    return error


def _json(answer: requests.Response, what: str) -> Any:
    try:
        return json.loads(answer.content)
    except ValueError:
        raise InvalidResponse("body", f"IAM's answer for {what} is not JSON") from None


def unscoped_token(iam: IamEndpoint, idp_id: str, id_token: str, place: str) -> str:
    """Exchange an id token for an unscoped token of the identity provider ``idp_id``."""
    what = f"identity provider {idp_id} (id token from {place})"
    answer = iam.send(
        "POST",
        ID_TOKEN_PATH,
        what,
        headers={"X-Idp-Id": idp_id},
        body={"auth": {"id_token": {"id": id_token}}},
        secrets=(id_token,),
    )
    token = answer.headers.get(SUBJECT_TOKEN_HEADER, "").strip()
    if not token:
        raise InvalidResponse(SUBJECT_TOKEN_HEADER, f"missing from IAM's answer for {what}")
    return token


def keys_from_token(iam: IamEndpoint, token: str, what: str, source: str) -> Credentials:
    """Temporary keys for an unscoped token, as long-lived as the SDK asks."""
    body = {
        "auth": {
            "identity": {
                "methods": ["token"],
                "token": {"id": token, "duration_seconds": FEDERATION_DURATION},
            }
        }
    }
    answer = iam.send("POST", SECURITY_TOKENS_PATH, what, body=body, secrets=(token,))
    return temporary_keys(_json(answer, what), what, source)


@attrs.frozen
class Agency:
    """The agency to assume (Terraform's ``assume_role``), and where it was set."""

    name: str
    domain_name: str | None
    domain_id: str | None
    duration: int
    place: str

    @property
    def shown(self) -> str:
        domain = self.domain_name or self.domain_id
        return f"agency {self.name} of domain {domain}"


def assume(iam: IamEndpoint, base: Credentials, agency: Agency) -> Credentials:
    """The agency's temporary keys, asked for with the base credentials."""
    role: dict[str, Any] = {"agency_name": agency.name, "duration_seconds": agency.duration}
    if agency.domain_name:
        role["domain_name"] = agency.domain_name
    else:
        role["domain_id"] = agency.domain_id
    body = {"auth": {"identity": {"methods": ["assume_role"], "assume_role": role}}}
    what = f"assuming {agency.shown} (set in {agency.place}) with {base.source}"
    answer = iam.send("POST", SECURITY_TOKENS_PATH, what, body=body, credentials=base)
    return temporary_keys(_json(answer, what), what, f"{agency.shown} via {base.source}")


def temporary_keys(body: Any, what: str, source: str) -> Credentials:
    """``{"credential": {"access", "secret", "securitytoken", "expires_at"}}`` as Credentials."""
    credential = body.get("credential") if isinstance(body, dict) else None
    values = {}
    for key in ("access", "secret", "securitytoken", "expires_at"):
        value = credential.get(key) if isinstance(credential, dict) else None
        if not isinstance(value, str) or not value:
            raise InvalidResponse(f"credential.{key}", f"missing from IAM's answer for {what}")
        values[key] = value
    try:
        expires_at = parse_expiry(values["expires_at"])
    except MetadataUnavailable as exc:
        raise InvalidResponse("credential.expires_at", f"{exc} (IAM, {what})") from None
    return Credentials(
        access_key=values["access"],
        secret_key=values["secret"],
        security_token=values["securitytoken"],
        source=source,
        expires_at=expires_at,
    )


def project_id(iam: IamEndpoint, credentials: Credentials, region: str) -> str:
    """The one project named ``region``; none or several is a usage error naming it."""
    what = f"the projects of region {region}"
    answer = iam.send("GET", PROJECTS_PATH, what, query=[("name", region)], credentials=credentials)
    body = _json(answer, what)
    projects = body.get("projects") if isinstance(body, dict) else None
    if not isinstance(projects, list):
        raise InvalidResponse("projects", f"missing from IAM's answer for {what}")
    ids = [str(p.get("id")) for p in projects if isinstance(p, dict) and p.get("id")]
    hint = "set the project id (stack config projectId, or HW_PROJECT_ID) to the one to use"
    if not ids:
        raise InvalidRequest(
            "project_id",
            f"IAM {iam.host} has no project for region {region} that {credentials.source} "
            f"can see; {hint}",
        )
    if len(ids) > 1:
        raise InvalidRequest(
            "project_id",
            f"IAM {iam.host} has {len(ids)} projects for region {region} "
            f"({', '.join(ids)}); {hint}",
        )
    return ids[0]


# -- the project id of a region, asked once per process ---------------------------

_PROJECTS: dict[tuple[str, str, str], str] = {}
_PROJECTS_LOCK = threading.Lock()


def discover_project(
    endpoint: IamEndpoint, credentials: Credentials | RefreshingCredentials, region: str
) -> str:
    """The region's project id from IAM, asked once per process and credentials."""
    key = (endpoint.url, region, fingerprint(credentials))
    with _PROJECTS_LOCK:
        known = _PROJECTS.get(key)
        if known is None:
            known = _PROJECTS[key] = project_id(endpoint, credentials.current(), region)
        return known
