"""Where a lookup's connection settings come from, in one documented order.

    1. explicit arguments (a lookup's or the CLI's own options)
    2. Pulumi stack config in the ``huaweicloud:`` namespace, with the key names of
       the pulumi-huaweicloud provider (accessKey, secretKey, securityToken, region,
       projectId, cacertFile, insecure, maxRetries) plus ``huaweicloud:dmsEndpoint``
    3. the environment: HW_* as Huawei's Terraform provider reads them, then
       HUAWEICLOUD_SDK_* as the official SDK reads them

The first place that has a value wins, field by field. Secrets live only in
``Credentials``, whose repr hides them, so that no log line or error can show one.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from .errors import CredentialsNotFound, InvalidRequest

CONFIG_NAMESPACE = "huaweicloud"

# setting -> (stack config key, environment variables in the order they are read)
SOURCES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "access_key": ("accessKey", ("HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK")),
    "secret_key": ("secretKey", ("HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK")),
    "security_token": (
        "securityToken",
        ("HW_SECURITY_TOKEN", "HUAWEICLOUD_SDK_SECURITY_TOKEN"),
    ),
    "auth_token": (None, ("HW_AUTH_TOKEN",)),
    "region": ("region", ("HW_REGION_NAME", "HUAWEICLOUD_SDK_REGION")),
    "project_id": ("projectId", ("HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID")),
    "endpoint": ("dmsEndpoint", ("HW_DMS_ENDPOINT",)),
    "ca_bundle": ("cacertFile", ("HW_CACERT_FILE",)),
    "insecure": ("insecure", ("HW_INSECURE",)),
    "max_retries": ("maxRetries", ("HW_MAX_RETRIES",)),
    "concurrency": ("maxConcurrency", ("HW_MAX_CONCURRENCY",)),  # read by listing.py
}

# Stack-config keys that are not secret: the only ones a lookup hands to its provider.
SECRET_CONFIG_KEYS = ("accessKey", "secretKey", "securityToken")
PUBLIC_CONFIG_KEYS = tuple(
    key for key, _ in SOURCES.values() if key and key not in SECRET_CONFIG_KEYS
)

# Regions whose DMS endpoint is not dms.{region}.myhuaweicloud.com, as the
# official SDK's region table maps them.
SPECIAL_ENDPOINTS = {"eu-west-101": "https://dms.eu-west-101.myhuaweicloud.eu"}

_REGION = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@attrs.frozen
class Credentials:
    """AK/SK (optionally temporary, with a security token) or an IAM token."""

    access_key: str | None = attrs.field(default=None, repr=False)
    secret_key: str | None = attrs.field(default=None, repr=False)
    security_token: str | None = attrs.field(default=None, repr=False)
    auth_token: str | None = attrs.field(default=None, repr=False)

    @property
    def kind(self) -> str:
        return "aksk" if self.access_key and self.secret_key else "token"

    def __repr__(self) -> str:
        return f"Credentials(kind={self.kind!r}, secrets hidden)"


@attrs.frozen
class Settings:
    """Everything a client needs to reach the endpoint."""

    endpoint: str
    project_id: str
    credentials: Credentials
    region: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    max_retries: int = 4
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    deadline: float = 120.0


def endpoint_for_region(region: str) -> str:
    """The DMS endpoint of a region, as the official SDK maps it."""
    if not _REGION.match(region):
        raise InvalidRequest("region", f"{region!r} is not a region name such as cn-north-4")
    return SPECIAL_ENDPOINTS.get(region, f"https://dms.{region}.myhuaweicloud.com")


def check_endpoint(endpoint: str) -> str:
    """Refuse an endpoint that would send credentials in clear over a real network."""
    parts = urlsplit(endpoint)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidRequest("endpoint", f"{endpoint!r} is not an http(s) URL")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InvalidRequest(
            "endpoint", f"plain http is allowed only to loopback addresses, not {parts.hostname}"
        )
    if parts.query or parts.fragment:
        raise InvalidRequest("endpoint", "must not carry a query or fragment")
    return endpoint.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidRequest(field, f"{value!r} is not a boolean (true or false)")


def _count(field: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidRequest(field, f"{value!r} is not a whole number") from None
    if not 0 <= number <= 20:
        raise InvalidRequest(field, f"must be between 0 and 20, got {number}")
    return number


def resolve(
    explicit: Mapping[str, Any] | None = None,
    config: Mapping[str, str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings from arguments, then stack config, then the environment.

    ``config`` maps full stack-config keys (``huaweicloud:region``) to values, as
    the Pulumi engine hands them to a provider's configure step.
    """
    explicit = {k: v for k, v in (explicit or {}).items() if v not in (None, "")}
    config = config or {}
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for field, (key, variables) in SOURCES.items():
        if field in explicit:
            found[field] = explicit[field]
            continue
        if key and config.get(f"{CONFIG_NAMESPACE}:{key}") not in (None, ""):
            found[field] = config[f"{CONFIG_NAMESPACE}:{key}"]
            continue
        for variable in variables:
            if environ.get(variable):
                found[field] = environ[variable]
                break

    credentials = Credentials(
        access_key=found.get("access_key"),
        secret_key=found.get("secret_key"),
        security_token=found.get("security_token"),
        auth_token=found.get("auth_token"),
    )
    if bool(credentials.access_key) != bool(credentials.secret_key):
        missing = "secret_key" if credentials.access_key else "access_key"
        raise InvalidRequest(missing, "access key and secret key must be given together")
    if not (credentials.access_key and credentials.secret_key) and not credentials.auth_token:
        raise CredentialsNotFound(_looked_at(("access_key", "secret_key", "auth_token")))

    project_id = found.get("project_id")
    if not project_id:
        raise InvalidRequest("project_id", "required; looked at " + _looked_at(("project_id",))[0])
    region = found.get("region")
    if found.get("endpoint"):
        endpoint = check_endpoint(str(found["endpoint"]))
    elif region:
        endpoint = endpoint_for_region(str(region))
    else:
        raise InvalidRequest(
            "region",
            "a region or an endpoint is required; looked at "
            + ", ".join(_looked_at(("region", "endpoint"))),
        )
    extra = {
        k: explicit[k] for k in ("connect_timeout", "read_timeout", "deadline") if k in explicit
    }
    return Settings(
        endpoint=endpoint,
        project_id=str(project_id),
        credentials=credentials,
        region=str(region) if region else None,
        ca_bundle=str(found["ca_bundle"]) if found.get("ca_bundle") else None,
        insecure=_flag("insecure", found.get("insecure", False)),
        max_retries=_count("max_retries", found.get("max_retries", 4)),
        **extra,
    )


def _looked_at(fields: tuple[str, ...]) -> tuple[str, ...]:
    places = []
    for field in fields:
        key, variables = SOURCES[field]
        places.append(f"argument {field}")
        if key:
            places.append(f"stack config {CONFIG_NAMESPACE}:{key}")
        places.extend(f"${v}" for v in variables)
    return tuple(places)
