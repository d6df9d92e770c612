"""Keyless credentials: OIDC federation and agencies (assume role), as chain sources.

- ``FederationSource``: an identity provider id and an id token (a file, read again
  for every exchange because CI systems rewrite it; or, for Terraform's
  ``HW_ASSUME_ROLE_ID_TOKEN``, the token itself) from one place, exchanged with IAM
  for temporary keys. Each place is one unit: an id without a token, or a token
  without an id, is an error naming the place, never completed from another.
- ``AssumeRoleSource``: base credentials from the rest of the chain, then the
  agency's temporary keys; DMS only ever sees the agency's.
- ``discover_project``: the project id of a region, from IAM, when no place gives one.

Each exchange happens once per process (``credentials.shared``, keyed by what
identifies it) and refreshes itself before its keys expire. The IAM calls are in
``iam.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Mapping
from typing import Any

import attrs

from . import iam
from .credentials import (
    Credentials,
    IncompleteCredentials,
    MappingSource,
    Missing,
    Places,
    RefreshingCredentials,
    Source,
    find,
    shared,
)
from .errors import InvalidRequest
from .iam import Agency, IamEndpoint

# The places of a federation, each one unit: (idp id names, token file names, token names).
CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "idp_id": ("idpId", "idp_id"),
    "id_token_file": ("idTokenFile", "id_token_file"),
}
HW_VARIABLES: dict[str, tuple[str, ...]] = {
    "idp_id": ("HW_ASSUME_ROLE_IDP_ID",),
    "id_token_file": ("HW_ASSUME_ROLE_ID_TOKEN_FILE",),
    "id_token": ("HW_ASSUME_ROLE_ID_TOKEN",),
}
SDK_VARIABLES: dict[str, tuple[str, ...]] = {
    "idp_id": ("HUAWEICLOUD_SDK_IDP_ID",),
    "id_token_file": ("HUAWEICLOUD_SDK_ID_TOKEN_FILE",),
}
ASSUME_ROLE_KEYS = ("assumeRole", "assume_role")
ASSUME_ROLE_VARIABLES: dict[str, str] = {
    "agencyName": "HW_ASSUME_ROLE_AGENCY_NAME",
    "domainName": "HW_ASSUME_ROLE_DOMAIN_NAME",
    "domainId": "HW_ASSUME_ROLE_DOMAIN_ID",
    "duration": "HW_ASSUME_ROLE_DURATION",
}
DEFAULT_DURATION = 3600
MIN_DURATION, MAX_DURATION = 900, 86400


@attrs.frozen
class IdToken:
    """An id token's place: a file named by ``name``, or the token itself (``value``)."""

    name: str  # the variable or stack-config key, as a message shows it
    path: str | None = None
    value: str | None = attrs.field(default=None, repr=False)

    def read(self) -> str:
        """The token now; a missing, unreadable or empty file is a usage error naming it."""
        if self.path is None:
            return (self.value or "").strip()
        path = os.path.expanduser(self.path)
        try:
            with open(path, encoding="utf-8") as file:
                token = file.read().strip()
        except FileNotFoundError:
            raise InvalidRequest(self.name, f"the id token file {path} does not exist") from None
        except (OSError, UnicodeError) as exc:
            raise InvalidRequest(
                self.name, f"cannot read the id token file {path}: {type(exc).__name__}"
            ) from None
        if not token:
            raise InvalidRequest(self.name, f"the id token file {path} is empty")
        return token


@attrs.frozen
class Exchange:
    """One federation: the id token read anew, exchanged for an unscoped token, then for
    temporary keys (the ``Fetcher`` that RefreshingCredentials refreshes)."""

    iam: IamEndpoint
    idp_id: str
    token: IdToken

    def fetch(self) -> Credentials:
        id_token = self.token.read()
        unscoped = iam.unscoped_token(self.iam, self.idp_id, id_token, self.token.name)
        what = f"identity provider {self.idp_id}'s temporary keys"
        source = f"federation with identity provider {self.idp_id} ({self.token.name})"
        return iam.keys_from_token(self.iam, unscoped, what, source)


@attrs.frozen
class FederationSource:
    """An identity provider id and its id token, from one place (stack config, or one
    family of environment variables), read as the place's keys are (``MappingSource``)."""

    place: MappingSource  # names: idp_id, id_token_file and, for Terraform's, id_token
    iam: IamEndpoint

    def lookup(self) -> RefreshingCredentials | Missing:
        found = self.place.found()
        if not found:
            return self.place.missing()
        names = self.place.names
        if "idp_id" not in found or set(found) == {"idp_id"}:
            have = [name for name, _ in found.values()]
            tokens = [self.place.shown(names[field][0]) for field in names if field != "idp_id"]
            lack = tokens if "idp_id" in found else [self.place.shown(names["idp_id"][0])]
            raise IncompleteCredentials(self.place.place, have, lack)
        idp_id = found["idp_id"][1]
        if "id_token_file" in found:
            token = IdToken(found["id_token_file"][0], path=found["id_token_file"][1])
        else:
            token = IdToken(found["id_token"][0], value=found["id_token"][1])
        # A token given inline is told apart by its digest, never kept as a key in clear.
        where = token.path or hashlib.sha256((token.value or "").encode()).hexdigest()
        key = ("federation", self.iam.url, idp_id, token.name, where)
        return shared(key, lambda: Exchange(self.iam, idp_id, token))


def federation_sources(places: Places, endpoint: IamEndpoint) -> dict[str, list[Source]]:
    """The federation source of each place, keyed by the slot of the chain it follows."""
    slots: dict[str, list[Source]] = {}
    if places.config is not None:
        prefix = f"{places.namespace}:"
        config = MappingSource("stack config", CONFIG_KEYS, places.config, key_prefix=prefix)
        slots["stack config"] = [FederationSource(config, endpoint)]
    for slot, names in (("environment HW", HW_VARIABLES), ("environment SDK", SDK_VARIABLES)):
        environ = MappingSource("environment", names, places.environ, shown_prefix="$")
        slots[slot] = [FederationSource(environ, endpoint)]
    return slots


# -- assume role -----------------------------------------------------------------


def agency(places: Places) -> Agency | None:
    """The agency to assume: stack config ``assumeRole`` (an object), else HW_ASSUME_ROLE_*."""
    for key in ASSUME_ROLE_KEYS if places.config is not None else ():
        assert places.config is not None
        given = places.config.get(f"{places.namespace}:{key}")
        if given not in (None, ""):
            return _agency(_object(given), f"stack config {places.namespace}:{key}")
    values = {
        key: places.environ[name]
        for key, name in ASSUME_ROLE_VARIABLES.items()
        if places.environ.get(name)
    }
    return _agency(values, "environment $HW_ASSUME_ROLE_*") if values else None


def _object(given: Any) -> Mapping[str, Any]:
    """An object as stack config holds it: JSON text (as the engine hands it), or a mapping."""
    value = given
    if isinstance(given, str):
        try:
            value = json.loads(given)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise InvalidRequest(
            "assumeRole", "must be an object: {agencyName, domainName or domainId, duration}"
        )
    return value


def _agency(values: Mapping[str, Any], place: str) -> Agency:
    def text(key: str) -> str | None:
        value = values.get(key, values.get(_snake(key)))
        return str(value).strip() or None if value not in (None, "") else None

    unknown = sorted(set(values) - {*ASSUME_ROLE_VARIABLES, *map(_snake, ASSUME_ROLE_VARIABLES)})
    if unknown:
        raise InvalidRequest("assumeRole", f"{place} has unknown field(s) {', '.join(unknown)}")
    name, domain_name, domain_id = text("agencyName"), text("domainName"), text("domainId")
    if not name or not (domain_name or domain_id):
        lack = [
            k
            for k, v in (("agencyName", name), ("domainName or domainId", domain_name or domain_id))
            if not v
        ]
        raise InvalidRequest(
            "assumeRole", f"{place} lacks {' and '.join(lack)}; an agency is named by both"
        )
    duration_text = text("duration") or str(DEFAULT_DURATION)
    if not duration_text.isdigit() or not MIN_DURATION <= int(duration_text) <= MAX_DURATION:
        raise InvalidRequest(
            "assumeRole",
            f"{place}: duration must be whole seconds from {MIN_DURATION} to {MAX_DURATION}, "
            f"got {duration_text[:20]!r}",
        )
    return Agency(name, domain_name, domain_id, int(duration_text), place)


def _snake(camel: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in camel)


@attrs.frozen
class AgencyExchange:
    """The agency's temporary keys, asked for with the base's current credentials."""

    iam: IamEndpoint
    base: Credentials | RefreshingCredentials
    agency: Agency

    def fetch(self) -> Credentials:
        return iam.assume(self.iam, self.base.current(), self.agency)


@attrs.frozen
class AssumeRoleSource:
    """Base credentials from the chain, then the agency's temporary keys."""

    base: tuple[Source, ...]
    agency: Agency
    iam: IamEndpoint

    def lookup(self) -> RefreshingCredentials:
        base = find(self.base)
        agency = self.agency
        key = (
            "agency",
            self.iam.url,
            agency.name,
            agency.domain_name or "",
            agency.domain_id or "",
            str(agency.duration),
            fingerprint(base),
        )
        return shared(key, lambda: AgencyExchange(self.iam, base, agency))


def fingerprint(credentials: Credentials | RefreshingCredentials) -> str:
    """What tells one set of credentials from another in a cache key, without a secret:
    a refreshing set is one object per process; a fixed one, the digest of its key."""
    if isinstance(credentials, RefreshingCredentials):
        return f"refreshing {id(credentials)}"
    secret = credentials.access_key or credentials.auth_token or ""
    return hashlib.sha256(f"{credentials.source}\0{secret}".encode()).hexdigest()


# -- the project id of a region --------------------------------------------------

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
            known = _PROJECTS[key] = iam.project_id(endpoint, credentials.current(), region)
        return known
