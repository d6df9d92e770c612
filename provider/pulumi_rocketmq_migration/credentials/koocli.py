"""The Huawei Cloud CLI's (KooCLI) config.json: one named profile, its keys, region and
project id (which serve the settings too)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from ..errors import InvalidRequest
from .keys import Credentials, Missing, unit
from .static import CONFIG_NAMESPACE

SHARED_CONFIG_KEYS = ("sharedConfigFile", "shared_config_file")
SHARED_CONFIG_VARIABLE = "HW_SHARED_CONFIG_FILE"
PROFILE_KEYS = ("profile",)
PROFILE_VARIABLE = "HW_PROFILE"
ENCRYPTED_HINT = "hcloud configure set --cli-auth-encrypt=false"


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


def _first_config(config: Mapping[str, Any], keys: Sequence[str], namespace: str) -> str | None:
    for key in keys:
        value = config.get(f"{namespace}:{key}")
        if value not in (None, ""):
            return str(value)
    return None
