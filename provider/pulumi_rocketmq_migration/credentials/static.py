"""Keys given by name: in a caller's arguments, in stack config, in environment variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .keys import Credentials, Missing, unit

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
