"""Where each setting is read from: its stack-config key (camelCase, and the snake_case
of pulumi-huaweicloud's README), its environment variables in order, and the places of
one resolution as layers, first wins (``settings.resolve``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .credentials import agency, federation, keys, koocli, static
from .credentials.places import Places
from .credentials.static import CONFIG_NAMESPACE

# setting -> (stack config key, environment variables in the order they are read).
# The credential fields (credentials/static.py) are listed for the schema and the docs;
# they resolve as one unit there, not field by field here.
SOURCES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    **{
        field: (
            static.CONFIG_KEYS[field][0] if field in static.CONFIG_KEYS else None,
            static.HW_VARIABLES.get(field, ()) + static.SDK_VARIABLES.get(field, ()),
        )
        for field in keys.FIELDS
    },
    "region": ("region", ("HW_REGION_NAME", "HUAWEICLOUD_SDK_REGION")),
    "project_id": ("projectId", ("HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID")),
    "endpoint": ("dmsEndpoint", ("HW_DMS_ENDPOINT",)),
    "cloud": ("cloud", ("HW_CLOUD",)),
    "ca_bundle": ("cacertFile", ("HW_CACERT_FILE",)),
    "insecure": ("insecure", ("HW_INSECURE",)),
    "max_retries": ("maxRetries", ("HW_MAX_RETRIES",)),
    "shared_config_file": (koocli.SHARED_CONFIG_KEYS[0], (koocli.SHARED_CONFIG_VARIABLE,)),
    "profile": (koocli.PROFILE_KEYS[0], (koocli.PROFILE_VARIABLE,)),
    "concurrency": ("maxConcurrency", ("HW_MAX_CONCURRENCY",)),  # read by listing.py
    # Keyless credentials (credentials/federation.py and agency.py): listed here for the
    # schema and the docs, read there as one unit per place; the agency is one object.
    **{
        field: (
            federation.CONFIG_KEYS[field][0] if field in federation.CONFIG_KEYS else None,
            federation.HW_VARIABLES.get(field, ()) + federation.SDK_VARIABLES.get(field, ()),
        )
        for field in ("idp_id", "id_token_file", "id_token")
    },
    "assume_role": (
        agency.ASSUME_ROLE_KEYS[0],
        tuple(agency.ASSUME_ROLE_VARIABLES.values()),
    ),
    "auth_url": ("authUrl", ("HW_AUTH_URL", "HUAWEICLOUD_SDK_IAM_ENDPOINT")),
}

# snake_case spellings, as pulumi-huaweicloud's README writes them.
SNAKE_CASE = {
    **{camel: snake for camel, snake in static.CONFIG_KEYS.values()},
    "projectId": "project_id",
    "dmsEndpoint": "dms_endpoint",
    "cacertFile": "cacert_file",
    "maxRetries": "max_retries",
    "maxConcurrency": "max_concurrency",
    koocli.SHARED_CONFIG_KEYS[0]: koocli.SHARED_CONFIG_KEYS[1],
    **{camel: snake for camel, snake in federation.CONFIG_KEYS.values()},
    agency.ASSUME_ROLE_KEYS[0]: agency.ASSUME_ROLE_KEYS[1],
    "authUrl": "auth_url",
}

SECRET_CONFIG_KEYS = ("accessKey", "secretKey", "securityToken")


def config_places(field: str, namespace: str = CONFIG_NAMESPACE) -> tuple[str, ...]:
    """The stack-config keys a setting is read from, in order: camelCase, then snake_case."""
    key = SOURCES[field][0]
    spellings = dict.fromkeys((key, SNAKE_CASE.get(key, key))) if key else {}
    return tuple(f"{namespace}:{spelling}" for spelling in spellings)


# Every spelling of every stack-config key, secret or not.
ALL_CONFIG_KEYS = tuple(
    place.split(":", 1)[1] for field in SOURCES for place in config_places(field)
)
SECRET_SPELLINGS = tuple(
    spelling for key in SECRET_CONFIG_KEYS for spelling in (key, SNAKE_CASE[key])
)
PUBLIC_CONFIG_KEYS = tuple(k for k in ALL_CONFIG_KEYS if k not in SECRET_SPELLINGS)


def layers_of(places: Places) -> list[Mapping[str, Any]]:
    """Each place in order, as field -> value for the non-credential settings."""
    layers: list[Mapping[str, Any]] = [places.explicit]
    config = places.config
    if config is not None:
        keys = {field: _config_key(config, field, places.namespace) for field in SOURCES}
        layers.append({field: config[key] for field, key in keys.items() if key})
    for index in (0, 1):
        values = {
            field: places.environ[variables[index]]
            for field, (_, variables) in SOURCES.items()
            if len(variables) > index and places.environ.get(variables[index])
        }
        layers.append(values)
    if places.koocli is not None:
        profile = places.koocli
        values = {"region": profile.region, "project_id": profile.project_id}
        layers.append({k: v for k, v in values.items() if v})
    if places.sdk_file is not None and places.sdk_file.project_id:
        layers.append({"project_id": places.sdk_file.project_id})
    return layers


def _config_key(config: Mapping[str, Any], field: str, namespace: str) -> str | None:
    """The first of a setting's stack-config keys that holds a value."""
    held = (key for key in config_places(field, namespace) if config.get(key) not in (None, ""))
    return next(held, None)


def place_of(places: Places, field: str) -> str:
    """Where the value a resolution takes for ``field`` is written, as its user writes it
    (``rocketmq-migration:maxRetries``, ``$HW_MAX_RETRIES``), so that a message about a
    bad value names the place to mend; the field itself for an argument or a file."""
    if field in places.explicit:
        return field
    key = _config_key(places.config, field, places.namespace) if places.config else None
    variable = next((f"${v}" for v in SOURCES[field][1] if places.environ.get(v)), None)
    return key or variable or field


def looked_at(places: Places, field: str) -> str:
    where = [f"argument {field}"]
    if places.config is not None and config_places(field):
        where.append("stack config " + "/".join(config_places(field, places.namespace)))
    where.extend(f"${v}" for v in SOURCES[field][1])
    if field in ("region", "project_id") and places.koocli is not None:
        where.append(f"{places.koocli.place} ({'region' if field == 'region' else 'projectId'})")
    if field == "project_id" and places.sdk_file is not None:
        where.append(f"{places.sdk_file.place} (project_id)")
    return ", ".join(where)
