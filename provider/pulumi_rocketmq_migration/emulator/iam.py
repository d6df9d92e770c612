"""IAM, as far as keyless callers need it, beside the emulator's DMS endpoint.

Three calls, as the official SDK (3.1.219) and Huawei's Terraform provider make them:

- ``POST /v3.0/OS-AUTH/id-token/tokens`` with ``X-Idp-Id`` and ``{"auth": {"id_token":
  {"id"}}}``: an id token the identity provider accepts (the scenario lists them) gets
  an unscoped token in ``X-Subject-Token`` (201). Anything else: 401, or 404 for an
  unknown identity provider.
- ``POST /v3.0/OS-CREDENTIAL/securitytokens``: temporary keys (201, ``{"credential":
  {"access", "secret", "securitytoken", "expires_at"}}``), for ``"methods": ["token"]``
  from an unscoped token, or for ``["assume_role"]`` from a signed caller who names an
  agency the scenario lists (by ``domain_name`` or ``domain_id``). They live as long as
  asked (900 to 86400 seconds), or ``key_lifetime_seconds`` when that is shorter, and
  DMS accepts them with their own X-Security-Token until then.
- ``GET /v3/projects?name=<region>``, signed: ``{"projects": [{"id", "name", ...}]}``.

Errors carry ``{"error_code", "error_msg", "request_id"}``. The codes are the
emulator's own (``IAM.EMU.*``), not Huawei's: nothing relies on their values.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from .api import Answer, error
from .auth import Credentials, Received, Refusal, identify
from .iam_spec import IamSpec
from .metadata import TemporaryKeys

ID_TOKEN_PATH = "/v3.0/OS-AUTH/id-token/tokens"
SECURITY_TOKENS_PATH = "/v3.0/OS-CREDENTIAL/securitytokens"
PROJECTS_PATH = "/v3/projects"
METHODS = {ID_TOKEN_PATH: "POST", SECURITY_TOKENS_PATH: "POST", PROJECTS_PATH: "GET"}
MIN_DURATION, MAX_DURATION = 900, 86400

BAD_REQUEST = "IAM.EMU.0400"
UNAUTHORIZED = "IAM.EMU.0401"
FORBIDDEN = "IAM.EMU.0403"
NO_SUCH_PROVIDER = "IAM.EMU.0404"
NOT_ALLOWED = "IAM.EMU.0405"


@attrs.frozen
class IamAnswer:
    """What IAM answers, its extra headers, and who called (None when unknown)."""

    answer: Answer
    headers: tuple[tuple[str, str], ...] = attrs.field(default=(), repr=False)
    principal: str | None = None


def _error(status: int, code: str, message: str, principal: str | None = None) -> IamAnswer:
    return IamAnswer(error(status, code, message), principal=principal)


def _refused(refusal: Refusal) -> IamAnswer:
    return _error(refusal.status, refusal.code, refusal.message)


class IamService:
    """Answers the three IAM calls over one scenario's ``iam`` section."""

    def __init__(self, spec: IamSpec, keys: TemporaryKeys, credentials: Credentials) -> None:
        self.spec = spec
        self.keys = keys
        self.credentials = credentials
        self._lock = threading.Lock()
        self._unscoped: dict[str, str] = {}  # unscoped token -> identity provider id

    @property
    def unscoped_tokens(self) -> list[str]:
        """Every unscoped token issued so far, so a test can look for it where none may be."""
        with self._lock:
            return list(self._unscoped)

    @staticmethod
    def serves(path: str) -> bool:
        return path in METHODS

    def answer(self, request: Received, now: datetime) -> IamAnswer:
        """The answer to one IAM request (on a path ``serves`` says yes to)."""
        allowed = METHODS[request.path]
        if request.method != allowed:
            return _error(405, NOT_ALLOWED, f"{request.method} is not allowed here, only {allowed}")
        if request.path == PROJECTS_PATH:
            return self._projects(request, now)
        try:
            auth = json.loads(request.body)["auth"]
        except (ValueError, KeyError, TypeError):
            auth = None
        if not isinstance(auth, dict):
            return _error(400, BAD_REQUEST, 'the body is not {"auth": {...}} JSON')
        if request.path == ID_TOKEN_PATH:
            return self._id_token(request.headers, auth)
        return self._security_tokens(request, now, auth)

    def _id_token(self, headers: Mapping[str, str], auth: Mapping[str, Any]) -> IamAnswer:
        idp_id = headers.get("x-idp-id", "")
        given = auth.get("id_token")
        token = given.get("id") if isinstance(given, dict) else None
        if not idp_id:
            return _error(400, BAD_REQUEST, "the X-Idp-Id header is required")
        if idp_id not in self.spec.identity_providers:
            return _error(404, NO_SUCH_PROVIDER, f"identity provider {idp_id} does not exist")
        if not isinstance(token, str) or token not in self.spec.identity_providers[idp_id]:
            return _error(401, UNAUTHORIZED, f"the id token is not valid for {idp_id}")
        unscoped = secrets.token_urlsafe(64)
        with self._lock:
            self._unscoped[unscoped] = idp_id
        body = {"token": {"methods": ["mapped"], "user": {"name": f"federated by {idp_id}"}}}
        subject = (("X-Subject-Token", unscoped),)
        return IamAnswer(Answer(201, body), subject, principal=f"idp {idp_id}")

    def _security_tokens(
        self, request: Received, now: datetime, auth: Mapping[str, Any]
    ) -> IamAnswer:
        identity = auth.get("identity")
        methods = identity.get("methods") if isinstance(identity, dict) else None
        if not isinstance(identity, dict) or methods not in (["token"], ["assume_role"]):
            return _error(400, BAD_REQUEST, 'identity.methods must be ["token"] or ["assume_role"]')
        if methods == ["token"]:
            token = identity.get("token") or {}
            with self._lock:
                idp_id = self._unscoped.get(str(token.get("id")))
            if idp_id is None:
                return _error(401, UNAUTHORIZED, "the token is not valid")
            return self._issue(token, f"federated {idp_id}", f"idp {idp_id}")
        caller = identify(self.credentials, request, now)
        if isinstance(caller, Refusal):
            return _refused(caller)
        role = identity.get("assume_role") or {}
        name, domain = role.get("agency_name"), role.get("domain_name") or role.get("domain_id")
        agency = next(
            (
                a
                for a in self.spec.agencies
                if a.name == name and domain in (a.domain_name, a.domain_id)
            ),
            None,
        )
        if agency is None:
            message = f"{caller} may not assume agency {name} of domain {domain}"
            return _error(403, FORBIDDEN, message, principal=caller)
        return self._issue(role, f"agency {agency.domain_name}/{agency.name}", caller)

    def _issue(self, asked: Any, principal: str, caller: str) -> IamAnswer:
        duration = asked.get("duration_seconds", MIN_DURATION) if isinstance(asked, dict) else None
        if not isinstance(duration, int) or not MIN_DURATION <= duration <= MAX_DURATION:
            message = f"duration_seconds must be from {MIN_DURATION} to {MAX_DURATION}"
            return _error(400, BAD_REQUEST, message, principal=caller)
        lifetime = float(duration)
        if self.spec.key_lifetime_seconds is not None:
            lifetime = min(lifetime, self.spec.key_lifetime_seconds)
        key = self.keys.issue(lifetime, principal)
        return IamAnswer(Answer(201, key.to_json()), principal=caller)

    def _projects(self, request: Received, now: datetime) -> IamAnswer:
        caller = identify(self.credentials, request, now)
        if isinstance(caller, Refusal):
            return _refused(caller)
        name = dict(request.query).get("name")
        projects = [
            {"id": p.id, "name": p.region, "enabled": True, "is_domain": False}
            for p in self.spec.projects
            if name is None or p.region == name
        ]
        return IamAnswer(Answer(200, {"projects": projects}), principal=caller)
