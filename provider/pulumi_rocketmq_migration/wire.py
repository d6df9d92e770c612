"""Property values as the engine sends them to the plugin, and the schema's checks on them.

The engine's values are protobuf Structs in which a few strings and objects are
special: an unknown (a preview's value not known yet) and a secret. This module
turns them into plain Python values (``unknown.UNKNOWN`` for an unknown, and the set
of keys that were secret) and back, and checks inputs against the package schema:
an unknown property, a wrong type or a missing required one is a failure naming
the property, as the engine shows a Check failure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
from google.protobuf import json_format, struct_pb2  # type: ignore[import-untyped]

from .errors import shown
from .package_schema import camel, resolve_ref, snake
from .unknown import UNKNOWN

# The engine's special values (sdk/go/common/resource/plugin/rpc.go).
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIGNATURE = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"
OUTPUT_SIGNATURE = "d0e6a833031e9bbcd3f4e8bde6ca49a4"


@attrs.frozen
class Values:
    """Decoded properties: plain values, and the top-level keys that came as secrets."""

    values: dict[str, Any]
    secret: frozenset[str] = frozenset()


def decode(struct: struct_pb2.Struct) -> Values:
    raw = json_format.MessageToDict(struct)
    secret = {key for key, value in raw.items() if _is_secret(value)}
    return Values({key: _plain(value) for key, value in raw.items()}, frozenset(secret))


def _is_secret(value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    signature = value.get(SIGNATURE)
    return signature == SECRET_SIGNATURE or (
        signature == OUTPUT_SIGNATURE and bool(value.get("secret"))
    )


def _plain(value: Any) -> Any:
    if value == UNKNOWN_VALUE:
        return UNKNOWN
    if isinstance(value, Mapping):
        signature = value.get(SIGNATURE)
        if signature == SECRET_SIGNATURE:
            return _plain(value.get("value"))
        if signature == OUTPUT_SIGNATURE:
            return _plain(value["value"]) if "value" in value else UNKNOWN
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a Struct has only doubles
    return value


def encode(values: Mapping[str, Any], secret: frozenset[str] = frozenset()) -> struct_pb2.Struct:
    """Properties for the engine; the ``secret`` keys wrapped as secrets."""
    struct = struct_pb2.Struct()
    wire = {key: _wire(value) for key, value in values.items()}
    for key in secret & wire.keys():
        wire[key] = {SIGNATURE: SECRET_SIGNATURE, "value": wire[key]}
    struct.update(wire)
    return struct


def _wire(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_VALUE
    if isinstance(value, Mapping):
        return {key: _wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire(item) for item in value]
    return value


def has_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Mapping):
        return any(has_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(has_unknown(item) for item in value)
    return False


# -- checks against the schema ------------------------------------------------


def check(
    values: Mapping[str, Any], properties: Mapping[str, Any], required: Sequence[str]
) -> list[tuple[str, str]]:
    """(property, reason) for each input the schema refuses; none when all are allowed."""
    failures = []
    for name, value in values.items():
        spec = properties.get(name)
        if spec is None:
            failures.append((name, f"unknown property; allowed: {', '.join(sorted(properties))}"))
        elif value is not None:
            problem = _type_problem(value, spec)
            if problem:
                failures.append((name, problem))
    for name in required:
        if values.get(name) is None:
            failures.append((name, "required"))
    return failures


def _type_problem(value: Any, spec: Mapping[str, Any]) -> str | None:
    if value is UNKNOWN:
        return None
    spec = resolve_ref(dict(spec))
    kind = spec.get("type")
    if "enum" in spec:
        allowed = [member["value"] for member in spec["enum"]]
        if value not in allowed:
            return f"{shown(value)} is not one of {', '.join(allowed)}"
        return None
    if kind == "string" and not isinstance(value, str):
        return f"must be a string, got {shown(value)}"
    if kind == "boolean" and not isinstance(value, bool):
        return f"must be a boolean, got {shown(value)}"
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"must be a whole number, got {shown(value)}"
    if kind == "array":
        if not isinstance(value, list):
            return f"must be a list, got {shown(value)}"
        for index, item in enumerate(value):
            problem = _type_problem(item, spec["items"])
            if problem:
                return f"item {index + 1}: {problem}"
    return None


def to_core(values: Mapping[str, Any]) -> dict[str, Any]:
    """Schema names to the core's: ``instanceId`` -> ``instance_id``."""
    return {snake(key): value for key, value in values.items()}


def from_core(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """The core's outputs under the schema's names, nested objects and count keys too."""
    named: dict[str, Any] = {}
    for key, value in outputs.items():
        if key == "tasks" and isinstance(value, list):
            value = [{camel(k): v for k, v in task.items()} for task in value]
        elif key == "metadata_counts" and isinstance(value, Mapping):
            value = {camel(k): v for k, v in value.items()}
        named[camel(key)] = value
    return named


def in_schema_names(message: str, names: Sequence[str]) -> str:
    """A core message with its snake_case input names written as the schema writes them."""
    for name in sorted(names, key=len, reverse=True):
        if "_" in name:
            message = message.replace(name, camel(name))
    return message
