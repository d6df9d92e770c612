"""Where credentials come from: one chain of sources, walked in order.

    1. arguments          only where a caller takes key arguments (the Python API)
    2. stack config       huaweicloud:accessKey / secretKey / securityToken
                          (or access_key / secret_key / security_token)
       ... federation     huaweicloud:idpId + idTokenFile (federation.py)
    3. environment HW_*   HW_ACCESS_KEY, HW_SECRET_KEY, HW_SECURITY_TOKEN; or HW_AUTH_TOKEN
       ... federation     HW_ASSUME_ROLE_IDP_ID + HW_ASSUME_ROLE_ID_TOKEN_FILE (or _ID_TOKEN)
    4. environment SDK    HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK, HUAWEICLOUD_SDK_SECURITY_TOKEN
       ... federation     HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE
    5. KooCLI config.json only when huaweicloud:sharedConfigFile or HW_SHARED_CONFIG_FILE
                          names one; profile huaweicloud:profile, HW_PROFILE, else ``current``
    6. SDK credentials    HUAWEICLOUD_SDK_CREDENTIALS_FILE or ~/.huaweicloud/credentials, [basic]
    7. ECS metadata       the instance agency's temporary keys, refreshed before they expire;
                          its address is HW_METADATA_ENDPOINT (default http://169.254.169.254)

A place's federation follows that place's keys: a pipeline that sets both in one
place gets the keys. With an agency to assume (huaweicloud:assumeRole, or
HW_ASSUME_ROLE_AGENCY_NAME and a domain), whatever this chain finds only signs the
assume call (federation.AssumeRoleSource).

Credentials come as one unit from the first source that holds any key or token:
a source that holds only part of a set (an access key without its secret key) is an
error that names it, never a set pieced together from two places. Each source is a
small object whose ``lookup`` answers "credentials, or why not"; the reasons of the
sources passed over make the "no credentials" message, in order, and name only the
places that were actually read.

Secrets live only in ``Credentials``, whose repr hides them.
"""

from __future__ import annotations

import configparser
import json
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import attrs
import requests

from . import signer
from .errors import CredentialsNotFound, InvalidRequest, MigrationTaskError, ServiceUnavailable

CONFIG_NAMESPACE = "huaweicloud"

# The credential fields of each source, in the order a message names them.
FIELDS = ("access_key", "secret_key", "security_token", "auth_token")

# Stack config keys: pulumi-huaweicloud's camelCase first, then the snake_case of its README.
CONFIG_KEYS: dict[str, tuple[str, ...]] = {
    "access_key": ("accessKey", "access_key"),
    "secret_key": ("secretKey", "secret_key"),
    "security_token": ("securityToken", "security_token"),
}
HW_VARIABLES: dict[str, tuple[str, ...]] = {
    "access_key": ("HW_ACCESS_KEY",),
    "secret_key": ("HW_SECRET_KEY",),
    "security_token": ("HW_SECURITY_TOKEN",),
    "auth_token": ("HW_AUTH_TOKEN",),
}
SDK_VARIABLES: dict[str, tuple[str, ...]] = {
    "access_key": ("HUAWEICLOUD_SDK_AK",),
    "secret_key": ("HUAWEICLOUD_SDK_SK",),
    "security_token": ("HUAWEICLOUD_SDK_SECURITY_TOKEN",),
}

SHARED_CONFIG_KEYS = ("sharedConfigFile", "shared_config_file")
SHARED_CONFIG_VARIABLE = "HW_SHARED_CONFIG_FILE"
PROFILE_KEYS = ("profile",)
PROFILE_VARIABLE = "HW_PROFILE"
ENCRYPTED_HINT = "hcloud configure set --cli-auth-encrypt=false"

SDK_FILE_VARIABLE = "HUAWEICLOUD_SDK_CREDENTIALS_FILE"
SDK_FILE_SECTION = "basic"

METADATA_VARIABLE = "HW_METADATA_ENDPOINT"
METADATA_DEFAULT = "http://169.254.169.254"
METADATA_OFF = ("off", "none", "disabled")
SECURITY_KEY_PATH = "/openstack/latest/securitykey"
TOKEN_PATH = "/meta-data/latest/api/token"
TOKEN_HEADER = "X-Metadata-Token"
TOKEN_TTL_HEADER = "X-Metadata-Token-Ttl-Seconds"
TOKEN_TTL_SECONDS = 6 * 60 * 60
NO_AGENCY = "Please configure Cloud Service Agency first"
# Refresh this long before expiry (Huawei's Terraform provider uses 10 minutes), or at
# half the lifetime of credentials that live shorter than twice that.
REFRESH_MARGIN = 600.0
METADATA_TIMEOUT = (1.0, 3.0)


@attrs.frozen
class Credentials:
    """AK/SK (optionally temporary, with a security token) or an IAM token, and where
    they came from. ``source`` and ``expires_at`` are not secret."""

    access_key: str | None = attrs.field(default=None, repr=False)
    secret_key: str | None = attrs.field(default=None, repr=False)
    security_token: str | None = attrs.field(default=None, repr=False)
    auth_token: str | None = attrs.field(default=None, repr=False)
    source: str = ""
    expires_at: float | None = None

    @property
    def kind(self) -> str:
        return "aksk" if self.access_key and self.secret_key else "token"

    def current(self) -> Credentials:
        """The credentials to sign the next request with: these, as they never change."""
        return self

    def authorize(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]],
        headers: Mapping[str, str],
        body: bytes = b"",
    ) -> dict[str, str]:
        """``headers`` (which hold Host) plus what proves who sends the request: an
        SDK-HMAC-SHA256 signature (and X-Security-Token for temporary keys), or X-Auth-Token."""
        if self.access_key and self.secret_key:
            sent = dict(headers)
            if self.security_token:
                sent["X-Security-Token"] = self.security_token
            date = signer.sdk_date(datetime.now(timezone.utc))
            return signer.sign(
                method, path, query, sent, body, self.access_key, self.secret_key, date
            )
        assert self.auth_token  # a Credentials holds one kind or the other (see unit)
        return {**headers, "X-Auth-Token": self.auth_token}

    def __repr__(self) -> str:
        return f"Credentials(kind={self.kind!r}, source={self.source!r}, secrets hidden)"


@attrs.frozen
class Missing:
    """Why a source gave no credentials: the place read and what was missing there."""

    place: str
    reason: str

    def __str__(self) -> str:
        return f"{self.place} ({self.reason})"


class Source(Protocol):
    """One place credentials may come from."""

    def lookup(self) -> Credentials | RefreshingCredentials | Missing:
        """The credentials held here, or why there are none; raises when a set is partial."""
        ...


class IncompleteCredentials(InvalidRequest):
    """A source holds part of a set of credentials; the rest is never taken elsewhere."""

    def __init__(self, place: str, have: Sequence[str], lack: Sequence[str]) -> None:
        self.place = place
        super().__init__(
            "credentials",
            f"{place} has {' and '.join(have)} but not {' or '.join(lack)}; credentials are "
            "taken as one set from the first place that has any, never mixed from two: "
            "complete them there, or remove them",
        )


def unit(found: Mapping[str, tuple[str, str]], place: str) -> Credentials | None:
    """One complete set from ``found`` (field -> (name, value)), None when it is empty."""
    if not found:
        return None
    names = {field: name for field, (name, _) in found.items()}
    values = {field: value for field, (_, value) in found.items()}
    if "access_key" in values and "secret_key" in values:
        return Credentials(
            access_key=values["access_key"],
            secret_key=values["secret_key"],
            security_token=values.get("security_token"),
            source=f"{place} ({', '.join(names[f] for f in FIELDS if f in names)})",
        )
    if set(values) == {"auth_token"}:
        return Credentials(
            auth_token=values["auth_token"], source=f"{place} ({names['auth_token']})"
        )
    have = [names[f] for f in FIELDS if f in names]
    lack = [f for f in ("access_key", "secret_key") if f not in values]
    raise IncompleteCredentials(place, have, lack)


@attrs.frozen
class MappingSource:
    """Keys by name in a mapping: arguments, stack config or environment variables."""

    place: str
    names: Mapping[str, tuple[str, ...]]  # field -> its names, in the order they are read
    values: Mapping[str, Any]
    key_prefix: str = ""  # how a name is keyed in values: "huaweicloud:" for config
    shown_prefix: str = ""  # how a name is shown: "$" for variables

    def lookup(self) -> Credentials | Missing:
        credentials = unit(self.found(), self.place)
        return credentials if credentials is not None else self.missing()

    def found(self) -> dict[str, tuple[str, str]]:
        """field -> (its name as shown, its value), for each field set here."""
        found: dict[str, tuple[str, str]] = {}
        for field, names in self.names.items():
            for name in names:
                value = self.values.get(self.key_prefix + name)
                if value not in (None, ""):
                    found[field] = (self.shown(name), str(value))
                    break
        return found

    def missing(self) -> Missing:
        shown = "/".join(self.shown(names[0]) for names in self.names.values())
        return Missing(self.place, f"none of {shown} set")

    def shown(self, name: str) -> str:
        return self.shown_prefix + self.key_prefix + name


# -- the Huawei Cloud CLI's (KooCLI) config.json -------------------------------


@attrs.frozen
class KooCliProfile:
    """One profile of KooCLI's config.json; region and project id serve the settings too."""

    path: Path
    name: str
    mode: str = ""
    access_key: str = attrs.field(default="", repr=False)
    secret_key: str = attrs.field(default="", repr=False)
    security_token: str = attrs.field(default="", repr=False)
    region: str = ""
    project_id: str = ""
    encrypted: bool = False

    @property
    def place(self) -> str:
        return f"KooCLI config {self.path} profile {self.name!r}"


def koocli_location(
    config: Mapping[str, Any] | None,
    environ: Mapping[str, str],
    namespace: str = CONFIG_NAMESPACE,
) -> tuple[Path, str | None] | None:
    """The config file and profile named by stack config or the environment, if any."""
    config = config or {}
    path = _first_config(config, SHARED_CONFIG_KEYS, namespace)
    path = path or environ.get(SHARED_CONFIG_VARIABLE)
    if not path:
        return None
    profile = _first_config(config, PROFILE_KEYS, namespace)
    profile = profile or environ.get(PROFILE_VARIABLE) or None
    return Path(os.path.expanduser(str(path))), profile


def load_koocli_profile(path: Path, profile: str | None) -> KooCliProfile:
    """Read one profile; a missing file or profile, or bad JSON, names the path and profile."""
    wanted = profile or "current"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidRequest(
            "sharedConfigFile", f"KooCLI config {path} does not exist (profile {wanted!r})"
        ) from None
    except (OSError, UnicodeError) as exc:
        raise InvalidRequest(
            "sharedConfigFile", f"cannot read KooCLI config {path}: {type(exc).__name__}"
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        # The message quotes no line of the file: it may hold a key.
        raise InvalidRequest(
            "sharedConfigFile", f"KooCLI config {path} is not JSON (line {exc.lineno})"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("profiles", []), list):
        raise InvalidRequest("sharedConfigFile", f"KooCLI config {path} has no profiles list")
    name = profile or str(document.get("current") or "")
    if not name:
        raise InvalidRequest(
            "profile",
            f"KooCLI config {path} names no current profile; set huaweicloud:profile or HW_PROFILE",
        )
    entry = next(
        (p for p in document.get("profiles", []) if isinstance(p, dict) and p.get("name") == name),
        None,
    )
    if entry is None:
        names = [str(p.get("name")) for p in document.get("profiles", []) if isinstance(p, dict)]
        raise InvalidRequest(
            "profile",
            f"KooCLI config {path} has no profile {name!r} (it has: {', '.join(names) or 'none'})",
        )

    def text_of(key: str) -> str:
        value = entry.get(key)
        return value.strip() if isinstance(value, str) else ""

    return KooCliProfile(
        path=path,
        name=name,
        mode=text_of("mode"),
        access_key=text_of("accessKeyId"),
        secret_key=text_of("secretAccessKey"),
        security_token=text_of("securityToken"),
        region=text_of("region"),
        project_id=text_of("projectId"),
        encrypted=_encrypted(document, entry),
    )


def _encrypted(document: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    """KooCLI encrypts stored keys unless told ``--cli-auth-encrypt=false``.

    The file says so in ``authEncrypt`` (or ``cliAuthEncrypt``); without it, keys that
    cannot be plain Huawei Cloud keys (which are letters and digits) are taken as
    ciphertext.
    """
    for holder in (entry, document):
        for key in ("authEncrypt", "cliAuthEncrypt"):
            if key in holder:
                return str(holder[key]).strip().lower() in ("true", "1", "yes")
    for key in ("accessKeyId", "secretAccessKey"):
        value = entry.get(key)
        if isinstance(value, str) and any(c in value for c in "+/=") and len(value) > 40:
            return True
    return False


@attrs.frozen
class KooCliSource:
    profile: KooCliProfile

    def lookup(self) -> Credentials | Missing:
        profile = self.profile
        if profile.encrypted:
            raise InvalidRequest(
                "sharedConfigFile",
                f"{profile.place} stores its keys encrypted, which only KooCLI can read; "
                f"store them unencrypted with `{ENCRYPTED_HINT}`, or use another source",
            )
        found = {
            field: (name, value)
            for field, name, value in (
                ("access_key", "accessKeyId", profile.access_key),
                ("secret_key", "secretAccessKey", profile.secret_key),
                ("security_token", "securityToken", profile.security_token),
            )
            if value
        }
        credentials = unit(found, profile.place)
        if credentials is not None:
            return credentials
        mode = f"mode {profile.mode}, " if profile.mode else ""
        return Missing(profile.place, f"{mode}no accessKeyId/secretAccessKey")


# -- the official SDK's credentials file ---------------------------------------


@attrs.frozen
class SdkProfile:
    """The [basic] section of the SDK's credentials file, or why there is none."""

    path: Path
    values: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    missing: str | None = None

    @property
    def place(self) -> str:
        return f"SDK credentials file {self.path} [{SDK_FILE_SECTION}]"

    @property
    def project_id(self) -> str | None:
        return self.values.get("project_id") or None


def sdk_file_path(environ: Mapping[str, str]) -> Path | None:
    """Where the official SDK looks for its credentials file."""
    named = environ.get(SDK_FILE_VARIABLE)
    if named:
        return Path(os.path.expanduser(named))
    home = environ.get("HOME") or environ.get("USERPROFILE")
    return Path(home, ".huaweicloud", "credentials") if home else None


def load_sdk_profile(path: Path) -> SdkProfile:
    if not path.is_file():
        return SdkProfile(path, missing="no such file")
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, UnicodeError, configparser.Error) as exc:
        problem = str(exc).splitlines()[0]  # later lines may quote the file: a secret
        raise InvalidRequest(
            "credentials file", f"cannot read {path}: {problem.split(':')[0]}"
        ) from None
    if not parser.has_section(SDK_FILE_SECTION):
        return SdkProfile(path, missing=f"no [{SDK_FILE_SECTION}] section")
    section = parser[SDK_FILE_SECTION]
    values = {key: section.get(key, "").strip() for key in section}
    return SdkProfile(path, {k: v for k, v in values.items() if v})


@attrs.frozen
class SdkFileSource:
    profile: SdkProfile

    def lookup(self) -> Credentials | Missing:
        profile = self.profile
        if profile.missing:
            return Missing(profile.place, profile.missing)
        found = {
            field: (name, profile.values[name])
            for field, name in (
                ("access_key", "ak"),
                ("secret_key", "sk"),
                ("security_token", "security_token"),
            )
            if profile.values.get(name)
        }
        credentials = unit(found, profile.place)
        return credentials if credentials is not None else Missing(profile.place, "no ak/sk")


# -- ECS instance metadata -----------------------------------------------------


class MetadataUnavailable(Exception):
    """The metadata service gave no credentials; the message says why, without a secret."""


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


def parse_expiry(text: str) -> float:
    """``expires_at`` as Unix time: ISO 8601 in UTC, with or without fractions."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise MetadataUnavailable(f"credential.expires_at {text[:40]!r} is not a time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


class Fetcher(Protocol):
    """Where temporary credentials come from, again and again: the metadata service, or
    an IAM exchange (federation.py)."""

    def fetch(self) -> Credentials:
        """A fresh set; raises MetadataUnavailable or a MigrationTaskError saying why not."""
        ...


class RefreshingCredentials:
    """Temporary credentials, fetched anew before they expire.

    ``current()`` is what a client signs with; it refreshes under a lock when the
    credentials are within the refresh margin of their expiry, so a wait that outlives
    them keeps going. A failed refresh keeps the old ones while they are still valid.
    """

    kind = "aksk"

    def __init__(self, service: Fetcher, first: Credentials) -> None:
        self.service = service
        self.source = first.source
        self._credentials = first
        self._fetched = time.time()
        self._lock = threading.Lock()
        self.refreshes = 0

    def current(self) -> Credentials:
        with self._lock:
            if self._due():
                try:
                    self._credentials = self.service.fetch()
                    self._fetched = time.time()
                    self.refreshes += 1
                except (MetadataUnavailable, MigrationTaskError) as exc:
                    if (self._credentials.expires_at or 0) <= time.time():
                        if isinstance(exc, MigrationTaskError):
                            raise
                        raise ServiceUnavailable(
                            f"temporary credentials from {self.source} expired and could "
                            f"not be refreshed: {exc}"
                        ) from None
            return self._credentials

    def _due(self) -> bool:
        expires = self._credentials.expires_at
        if expires is None:
            return False
        lifetime = max(0.0, expires - self._fetched)
        return time.time() >= expires - min(REFRESH_MARGIN, lifetime / 2)

    def __repr__(self) -> str:
        return f"RefreshingCredentials(source={self.source!r}, secrets hidden)"


# One refreshing set per exchange and process (keyed by what identifies the exchange:
# the metadata address, the identity provider and token file, the agency and its base),
# so every client, lookup and read of a process shares it.
_SHARED: dict[tuple[str, ...], RefreshingCredentials] = {}
_SHARED_LOCK = threading.Lock()


def shared(key: tuple[str, ...], fetcher: Callable[[], Fetcher]) -> RefreshingCredentials:
    """The process's refreshing set for ``key``, fetched the first time it is asked for.

    A first fetch that fails raises and caches nothing, so the next lookup tries again.
    """
    with _SHARED_LOCK:
        known = _SHARED.get(key)
        if known is None:
            service = fetcher()
            known = _SHARED[key] = RefreshingCredentials(service, service.fetch())
        return known


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


# -- the chain -----------------------------------------------------------------


@attrs.frozen
class Places:
    """What the chain may read: given arguments, stack config (None where there is none,
    as in the CLI) and the environment. Files are read once and shared with settings.

    ``namespace`` is the stack config's: ``huaweicloud`` for the Python lookups, as
    pulumi-huaweicloud names its keys, and the package's own for the provider plugin.
    """

    explicit: Mapping[str, Any]
    config: Mapping[str, Any] | None
    environ: Mapping[str, str]
    koocli: KooCliProfile | None
    sdk_file: SdkProfile | None
    namespace: str = CONFIG_NAMESPACE

    @classmethod
    def read(
        cls,
        explicit: Mapping[str, Any] | None,
        config: Mapping[str, Any] | None,
        environ: Mapping[str, str],
        namespace: str = CONFIG_NAMESPACE,
    ) -> Places:
        location = koocli_location(config, environ, namespace)
        koocli = load_koocli_profile(*location) if location else None
        path = sdk_file_path(environ)
        sdk_file = load_sdk_profile(path) if path else None
        return cls(explicit or {}, config, environ, koocli, sdk_file, namespace)


def sources(places: Places, keyless: Mapping[str, Sequence[Source]] | None = None) -> list[Source]:
    """The chain, in order; a place that is not there (no stack config, no KooCLI file
    named, metadata switched off) is not in it, so no message names it.

    ``keyless`` holds the federation sources (federation.py) by the slot each follows:
    ``stack config``, ``environment HW`` or ``environment SDK``.
    """
    after = keyless or {}
    chain: list[Source] = []
    given = {f: places.explicit.get(f) for f in FIELDS if places.explicit.get(f) not in (None, "")}
    if given:
        chain.append(MappingSource("arguments", {f: (f,) for f in FIELDS}, given))
    if places.config is not None:
        prefix = f"{places.namespace}:"
        chain.append(MappingSource("stack config", CONFIG_KEYS, places.config, key_prefix=prefix))
        chain.extend(after.get("stack config", ()))
    chain.append(MappingSource("environment", HW_VARIABLES, places.environ, shown_prefix="$"))
    chain.extend(after.get("environment HW", ()))
    chain.append(MappingSource("environment", SDK_VARIABLES, places.environ, shown_prefix="$"))
    chain.extend(after.get("environment SDK", ()))
    if places.koocli is not None:
        chain.append(KooCliSource(places.koocli))
    if places.sdk_file is not None:
        chain.append(SdkFileSource(places.sdk_file))
    endpoint = metadata_endpoint(places.environ)
    if endpoint is not None:
        chain.append(MetadataSource(endpoint))
    return chain


def find(chain: Sequence[Source]) -> Credentials | RefreshingCredentials:
    """The first source's credentials; else CredentialsNotFound naming each place read."""
    missing: list[Missing] = []
    for source in chain:
        found = source.lookup()
        if isinstance(found, Missing):
            missing.append(found)
            continue
        check_printable(found.current())
        return found
    raise CredentialsNotFound(tuple(str(m) for m in missing))


def check_printable(credentials: Credentials) -> None:
    """Keys and tokens go into HTTP headers: printable ASCII only, named when not."""
    for field in FIELDS:
        value = getattr(credentials, field)
        if value is None:
            continue
        bad = next((i for i, c in enumerate(value) if not "!" <= c <= "~"), None)
        if bad is not None:
            raise InvalidRequest(
                field,
                f"from {credentials.source}: character {bad + 1} is not printable ASCII "
                "(keys and tokens are letters, digits and punctuation, without spaces)",
            )


def _first_config(config: Mapping[str, Any], keys: Sequence[str], namespace: str) -> str | None:
    for key in keys:
        value = config.get(f"{namespace}:{key}")
        if value not in (None, ""):
            return str(value)
    return None
