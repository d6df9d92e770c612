"""Assume role: an agency (huaweicloud:assumeRole, or HW_ASSUME_ROLE_*) whose temporary
keys IAM gives for the base credentials the rest of the chain found; DMS only ever
sees the agency's keys."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

from ..errors import InvalidRequest
from . import iam
from .iam import Agency, IamEndpoint
from .keys import Credentials
from .places import Places
from .refreshing import RefreshingCredentials, fingerprint, shared

ASSUME_ROLE_KEYS = ("assumeRole", "assume_role")
ASSUME_ROLE_VARIABLES: dict[str, str] = {
    "agencyName": "HW_ASSUME_ROLE_AGENCY_NAME",
    "domainName": "HW_ASSUME_ROLE_DOMAIN_NAME",
    "domainId": "HW_ASSUME_ROLE_DOMAIN_ID",
    "duration": "HW_ASSUME_ROLE_DURATION",
}
DEFAULT_DURATION = 3600
MIN_DURATION, MAX_DURATION = 900, 86400


def agency_to_assume(places: Places) -> Agency | None:
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
        with contextlib.suppress(ValueError):
            value = json.loads(given)
    if not isinstance(value, dict):
        raise InvalidRequest(
            "assumeRole", "must be an object: {agencyName, domainName or domainId, duration}"
        )
    return value


def _agency(values: Mapping[str, Any], place: str) -> Agency:
    def text(key: str) -> str | None:
        value = values.get(key, values.get(_snake(key)))
        return str(value).strip() or None if value is not None else None

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
    """The agency's temporary keys, for the base credentials the chain found (given
    here already found, so this module needs nothing of the chain)."""

    base: Credentials | RefreshingCredentials
    agency: Agency
    iam: IamEndpoint

    def lookup(self) -> RefreshingCredentials:
        base, agency = self.base, self.agency
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
