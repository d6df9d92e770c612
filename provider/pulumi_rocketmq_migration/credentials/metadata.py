"""The ECS instance metadata service: the instance agency's temporary keys."""

from __future__ import annotations

import json
from collections.abc import Mapping

import attrs
import requests

from .keys import Credentials, Missing
from .refreshing import MetadataUnavailable, RefreshingCredentials, parse_expiry, shared

METADATA_VARIABLE = "HW_METADATA_ENDPOINT"
METADATA_DEFAULT = "http://169.254.169.254"
METADATA_OFF = ("off", "none", "disabled")
SECURITY_KEY_PATH = "/openstack/latest/securitykey"
TOKEN_PATH = "/meta-data/latest/api/token"
TOKEN_HEADER = "X-Metadata-Token"
TOKEN_TTL_HEADER = "X-Metadata-Token-Ttl-Seconds"
TOKEN_TTL_SECONDS = 6 * 60 * 60
NO_AGENCY = "Please configure Cloud Service Agency first"
METADATA_TIMEOUT = (1.0, 3.0)


def metadata_endpoint(environ: Mapping[str, str]) -> str | None:
    """The metadata service's address, from its one setting; None when switched off."""
    value = environ.get(METADATA_VARIABLE, "").strip()
    if value.lower() in METADATA_OFF:
        return None
    return (value or METADATA_DEFAULT).rstrip("/")


class MetadataService:
    """GET /openstack/latest/securitykey, with the session-token handshake when asked.

    The service may answer 401 until the caller holds a session token: then one
    ``PUT /meta-data/latest/api/token`` (the only non-GET request this package sends,
    and only to the metadata service) gets one, and the read is retried with it.
    Never through a proxy: the address is link-local.
    """

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._token: str | None = None
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy, no netrc
        self._session.proxies = {}

    def fetch(self) -> Credentials:
        try:
            answer = self._get()
            if answer.status_code == 401 and NO_AGENCY not in answer.text:
                self._token = self._new_token()
                answer = self._get()
        except requests.RequestException as exc:
            raise MetadataUnavailable(f"no answer: {type(exc).__name__}") from None
        if answer.status_code == 401 and NO_AGENCY in answer.text:
            raise MetadataUnavailable("this instance has no agency")
        if answer.status_code != 200:
            raise MetadataUnavailable(f"HTTP {answer.status_code}")
        return self._parse(answer.content)

    def _get(self) -> requests.Response:
        headers = {TOKEN_HEADER: self._token} if self._token else {}
        return self._session.get(
            self.endpoint + SECURITY_KEY_PATH,
            headers=headers,
            timeout=METADATA_TIMEOUT,
            allow_redirects=False,
        )

    def _new_token(self) -> str:
        answer = self._session.put(
            self.endpoint + TOKEN_PATH,
            headers={TOKEN_TTL_HEADER: str(TOKEN_TTL_SECONDS)},
            timeout=METADATA_TIMEOUT,
            allow_redirects=False,
        )
        if answer.status_code != 200 or not answer.text.strip():
            raise MetadataUnavailable(f"session token refused (HTTP {answer.status_code})")
        return answer.text.strip()

    def _parse(self, content: bytes) -> Credentials:
        try:
            body = json.loads(content)
        except ValueError:
            raise MetadataUnavailable("answer is not JSON") from None
        credential = body.get("credential") if isinstance(body, dict) else None
        if not isinstance(credential, dict):
            raise MetadataUnavailable("answer has no credential object")
        values = {}
        for key in ("access", "secret", "securitytoken", "expires_at"):
            value = credential.get(key)
            if not isinstance(value, str) or not value:
                raise MetadataUnavailable(f"answer has no credential.{key}")
            values[key] = value
        return Credentials(
            access_key=values["access"],
            secret_key=values["secret"],
            security_token=values["securitytoken"],
            source=f"ECS metadata {self.endpoint}",
            expires_at=parse_expiry(values["expires_at"]),
        )


@attrs.frozen
class MetadataSource:
    endpoint: str

    @property
    def place(self) -> str:
        return f"ECS metadata {self.endpoint}"

    def lookup(self) -> RefreshingCredentials | Missing:
        try:
            return shared(("metadata", self.endpoint), lambda: MetadataService(self.endpoint))
        except MetadataUnavailable as exc:
            return Missing(self.place, str(exc))
