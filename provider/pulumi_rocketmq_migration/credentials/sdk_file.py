"""The official SDK's credentials file: its [basic] section's keys and project id."""

from __future__ import annotations

import configparser
import os
from collections.abc import Mapping
from pathlib import Path

import attrs

from ..errors import InvalidRequest
from .keys import Credentials, Missing, unit

SDK_FILE_VARIABLE = "HUAWEICLOUD_SDK_CREDENTIALS_FILE"
SDK_FILE_SECTION = "basic"


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
