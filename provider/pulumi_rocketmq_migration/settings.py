"""Where a lookup connects, and how: endpoint, region, project, TLS, proxy and limits.

Each setting is resolved field by field, the first place with a value winning:

    1. explicit arguments (a lookup's or the CLI's own options)
    2. Pulumi stack config ``huaweicloud:*``, with the key names of the pulumi-huaweicloud
       provider (camelCase, or the snake_case of its README)
    3. the environment: HW_* as Huawei's Terraform provider reads them, then
       HUAWEICLOUD_SDK_* as the official SDK reads them
    4. region and project id only: the KooCLI profile, when one is named (see credentials)
    5. project id only: the SDK credentials file's [basic] section
    6. project id only: IAM's project of the region (``GET /v3/projects?name=<region>``),
       asked once per process with the credentials found (credentials/iam.py)

The endpoint and the region are one decision: the first place that names either one
decides, so an explicit region beats an endpoint from the environment. The endpoint
is ``https://dms.{region}.{cloud}`` (cloud: huaweicloud:cloud / HW_CLOUD, default
myhuaweicloud.com, with the official SDK's special cases for the default cloud).

IAM (for federation, agencies and the project id) is ``huaweicloud:authUrl``,
HW_AUTH_URL (Terraform's, written with a path such as /v3, which is dropped) or
HUAWEICLOUD_SDK_IAM_ENDPOINT, else ``https://iam.{region}.{cloud}`` as DMS is found
from the region, and ``https://iam.{cloud}`` without one (the SDK's global default).

Credentials come from the ``credentials`` package's chain (keyless ones too), as one
unit, not field by field.
"""

from __future__ import annotations

import ipaddress
import os
import re
import ssl
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import attrs

from . import limits
from .credentials.chain import find_credentials
from .credentials.iam import IamEndpoint, discover_project
from .credentials.keys import Credentials
from .credentials.places import Places
from .credentials.refreshing import RefreshingCredentials
from .credentials.static import CONFIG_NAMESPACE
from .errors import InvalidRequest
from .identifiers import check_identifier
from .setting_places import layers_of, looked_at, place_of

__all__ = ["CONFIG_NAMESPACE", "Credentials", "Settings", "resolve"]

DEFAULT_CLOUD = "myhuaweicloud.com"
# Regions whose endpoints are not {service}.{region}.myhuaweicloud.com, as the official
# SDK's DMS region table maps them; they apply to the default cloud only.
SPECIAL_CLOUDS = {"eu-west-101": "myhuaweicloud.eu"}

_REGION = re.compile(r"^[a-z]{2}(-[a-z0-9]+)+$")
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")


@attrs.frozen
class Settings:
    """Everything a client needs to reach the endpoint."""

    endpoint: str
    project_id: str
    credentials: Credentials | RefreshingCredentials
    region: str | None = None
    ca_bundle: str | None = None
    insecure: bool = False
    max_retries: int = limits.DEFAULT_MAX_RETRIES
    connect_timeout: float = limits.DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = limits.DEFAULT_READ_TIMEOUT
    deadline: float = limits.DEFAULT_DEADLINE
    # The proxy URL for this endpoint (from HTTPS_PROXY / HTTP_PROXY, NO_PROXY honoured);
    # it may carry a password, so it is never shown.
    proxy: str | None = attrs.field(default=None, repr=False)


def endpoint_for_region(region: str, cloud: str | None = None, service: str = "dms") -> str:
    """The endpoint of a service (DMS, IAM) in a region, as the official SDK maps it."""
    if not _REGION.match(region) or len(region) > 63:
        shown = region if len(region) <= 70 else region[:60] + "..."
        raise InvalidRequest(
            "region",
            f"{shown!r} is not a region name such as cn-north-4 "
            "(lowercase letters, digits and dashes, at most 63 characters)",
        )
    domain = SPECIAL_CLOUDS.get(region, DEFAULT_CLOUD) if cloud is None else check_cloud(cloud)
    return f"https://{service}.{region}.{domain}"


def check_cloud(cloud: str) -> str:
    """A cloud domain such as myhuaweicloud.com: DNS labels of at most 63 characters."""
    name = cloud.strip().lower().rstrip(".")
    labels = name.split(".")
    if len(labels) < 2 or len(name) > 200 or not all(_LABEL.match(x) for x in labels):
        raise InvalidRequest(
            "cloud", f"{cloud[:80]!r} is not a domain name such as {DEFAULT_CLOUD}"
        )
    if any(len(label) > 63 for label in labels):
        raise InvalidRequest("cloud", "a label of the domain is longer than 63 characters")
    return name


def _redacted(endpoint: str) -> str:
    """The endpoint as it may be shown: without any user:password."""
    try:
        parts = urlsplit(endpoint)
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=netloc))[:200]
    except ValueError:
        return "<unparseable URL>"


def check_endpoint(endpoint: str, field: str = "endpoint") -> str:
    """Refuse an endpoint that would send credentials in clear, or that is not one URL;
    ``field`` is what a message names (authUrl for IAM)."""
    shown = _redacted(endpoint)
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as exc:
        problem = "port out of range 1-65535" if "port" in str(exc).lower() else "not a URL"
        raise InvalidRequest(field, f"{shown!r}: {problem}") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidRequest(field, f"{shown!r} is not an http(s) URL")
    if "@" in parts.netloc:
        raise InvalidRequest(
            field,
            f"{shown!r}: must not carry a user name or password; requests are signed, "
            "and the proxy takes its own from HTTPS_PROXY",
        )
    if port == 0:
        raise InvalidRequest(field, f"{shown!r}: port out of range 1-65535")
    if any(ord(c) < 0x21 or ord(c) > 0x7E for c in endpoint):
        raise InvalidRequest(field, f"{shown!r}: only printable ASCII is allowed")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise InvalidRequest(
            field, f"plain http is allowed only to loopback addresses, not {parts.hostname}"
        )
    if parts.query or parts.fragment:
        raise InvalidRequest(field, "must not carry a query or fragment")
    return endpoint.rstrip("/")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_ca_bundle(path: str) -> str:
    """A readable PEM file of CA certificates; a usage error otherwise, before connecting."""
    if not os.path.exists(path):
        raise InvalidRequest("cacertFile", f"{path}: no such file (a PEM file of CA certificates)")
    if not os.path.isfile(path):
        raise InvalidRequest("cacertFile", f"{path}: not a file (a PEM file of CA certificates)")
    try:
        ssl.create_default_context(cafile=path)
    except PermissionError:
        raise InvalidRequest("cacertFile", f"{path}: not readable") from None
    except (ssl.SSLError, OSError, ValueError):
        raise InvalidRequest("cacertFile", f"{path}: holds no PEM CA certificate") from None
    return path


# -- proxies -------------------------------------------------------------------


def proxy_for(endpoint: str, environ: Mapping[str, str]) -> str | None:
    """The proxy for ``endpoint`` as requests picks it from the environment, never netrc.

    ``https_proxy``/``HTTPS_PROXY`` for https, ``http_proxy``/``HTTP_PROXY`` for http,
    ``all_proxy`` as a fallback (lowercase wins, as in urllib); ``no_proxy``/``NO_PROXY``
    lists hosts, domain suffixes, IPs or CIDRs (optionally with a port), or ``*``, that
    are reached directly.
    """
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if _bypass(host, parts.port, _environ(environ, "no_proxy")[1]):
        return None
    place, proxy = _environ(environ, f"{parts.scheme}_proxy")
    if proxy is None:
        place, proxy = _environ(environ, "all_proxy")
    return None if proxy is None else check_proxy(place, proxy)


def _environ(environ: Mapping[str, str], name: str) -> tuple[str, str | None]:
    """The variable read (lowercase wins when set) and its value, if not blank."""
    spelling = name.lower() if environ.get(name.lower()) else name.upper()
    value = environ.get(spelling, "").strip()
    return f"${spelling}", value or None


def check_proxy(place: str, proxy: str) -> str:
    """Refuse a proxy URL requests cannot use: one is http(s) with a host (a bare
    ``host:port`` is http, as curl and requests take it). SOCKS would need PySocks."""
    url = proxy if "://" in proxy else f"http://{proxy}"
    try:
        parts = urlsplit(url)
        usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        usable = usable and parts.port != 0
    except ValueError:  # a port out of range, or brackets that do not close
        usable = False
    if not usable or any(ord(c) < 0x21 or ord(c) > 0x7E for c in proxy):
        raise InvalidRequest(
            place, f"{_redacted(url)!r} is not an http:// or https:// proxy URL with a host"
        )
    return proxy


def _bypass(host: str, port: int | None, no_proxy: str | None) -> bool:
    if not no_proxy:
        return False
    for entry in (e.strip().lower() for e in no_proxy.replace(" ", ",").split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, entry_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
        if entry_port and str(port) != entry_port:
            continue
        try:
            if ipaddress.ip_address(host.strip("[]")) in ipaddress.ip_network(
                name.strip("[]"), strict=False
            ):
                return True
            continue
        except ValueError:
            pass
        name = name.lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


# -- resolving -----------------------------------------------------------------


def _flag(field: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidRequest(field, f"{str(value)[:40]!r} is not a boolean (true or false)")


def _count(field: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidRequest(field, f"{str(value)[:40]!r} is not a whole number") from None
    if not 0 <= number <= 20:
        raise InvalidRequest(field, f"must be between 0 and 20, got {number}")
    return number


def _checked_project(project_id: str) -> str:
    project_id = check_identifier("project_id", project_id)
    if any(not "!" <= c <= "~" for c in project_id):  # check_identifier refuses "." and ".."
        raise InvalidRequest("project_id", "must be printable ASCII, without spaces")
    return project_id


def iam_endpoint(
    given: Any,
    region: str | None,
    cloud: str | None,
    *,
    verify: bool | str,
    environ: Mapping[str, str],
    connect_timeout: float = limits.DEFAULT_CONNECT_TIMEOUT,
    read_timeout: float = limits.DEFAULT_READ_TIMEOUT,
) -> IamEndpoint:
    """Where IAM is: as given (its path dropped), else from the region, else the global one."""
    if given:
        parts = urlsplit(check_endpoint(str(given), field="authUrl"))
        url = f"{parts.scheme}://{parts.netloc}"
    elif region:
        url = endpoint_for_region(region, cloud, service="iam")
    else:
        url = f"https://iam.{check_cloud(cloud) if cloud else DEFAULT_CLOUD}"
    return IamEndpoint(url, verify, proxy_for(url, environ), connect_timeout, read_timeout)


def resolve(
    explicit: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    namespace: str = CONFIG_NAMESPACE,
) -> Settings:
    """Resolve settings from arguments, then stack config, then the environment.

    ``config`` maps full stack-config keys (``huaweicloud:region``, or ``namespace``'s)
    to values, as the Pulumi engine hands them to a provider's configure step; None
    where no stack config is read (the CLI), so that no message names it.
    """
    explicit = {k: v for k, v in (explicit or {}).items() if v not in (None, "")}
    environ = os.environ if environ is None else environ
    places = Places.read(explicit, config, environ, namespace)
    layers = layers_of(places)

    def first(field: str) -> Any:
        return next((values[field] for values in layers if field in values), None)

    project_id = first("project_id")
    region = first("region")
    if not project_id and not region:
        raise InvalidRequest(
            "project_id",
            "required; looked at "
            + looked_at(places, "project_id")
            + ", and IAM's projects of the region (no region is set)",
        )
    if project_id:
        project_id = _checked_project(str(project_id))

    cloud = first("cloud")
    deciding = next((v for v in layers if "endpoint" in v or "region" in v), None)
    if deciding is None:
        raise InvalidRequest(
            "region",
            "a region or an endpoint is required; looked at "
            + looked_at(places, "region")
            + "; "
            + looked_at(places, "endpoint"),
        )
    if "endpoint" in deciding:
        endpoint = check_endpoint(str(deciding["endpoint"]), place_of(places, "endpoint"))
    else:
        endpoint = endpoint_for_region(str(region), str(cloud) if cloud else None)

    ca_bundle = first("ca_bundle")
    insecure = _flag(place_of(places, "insecure"), first("insecure") or False)
    if ca_bundle and not insecure:
        ca_bundle = check_ca_bundle(str(ca_bundle))

    extra = {
        k: explicit[k] for k in ("connect_timeout", "read_timeout", "deadline") if k in explicit
    }
    iam = iam_endpoint(
        first("auth_url"),
        str(region) if region else None,
        str(cloud) if cloud else None,
        verify=False if insecure else (str(ca_bundle) if ca_bundle else True),
        environ=environ,
        **{k: v for k, v in extra.items() if k != "deadline"},
    )
    credentials = find_credentials(places, iam)
    if not project_id:
        project_id = _checked_project(discover_project(iam, credentials, str(region)))
    retries = first("max_retries")  # an explicit 0 is 0, not the default
    return Settings(
        endpoint=endpoint,
        project_id=project_id,
        credentials=credentials,
        region=str(region) if region else None,
        ca_bundle=str(ca_bundle) if ca_bundle else None,
        insecure=insecure,
        max_retries=_count(
            place_of(places, "max_retries"),
            limits.DEFAULT_MAX_RETRIES if retries is None else retries,
        ),
        proxy=proxy_for(endpoint, environ),
        **extra,
    )


def insecure_warning(settings: Settings) -> str:
    """The one line said when TLS verification is off."""
    return (
        f"TLS verification is off (insecure) for {settings.endpoint}: "
        "anyone on the path can read and change the answers; set cacertFile instead"
    )
