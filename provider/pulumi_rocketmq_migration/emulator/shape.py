"""A scenario's JSON checked by hand, each refusal naming the JSON path of the bad value.

jsonschema is not a runtime dependency, so ``schema/scenario.schema.json`` is
enforced here: a ValueError says where (``$.instances[0].tasks[2].status``) and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def where(path: str, key: str | int) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"


def member(body: Mapping[str, Any], key: str, kind: type, path: str, default: Any = ...) -> Any:
    if key not in body:
        if default is ...:
            raise ValueError(f"{where(path, key)}: missing")
        return default
    value = body[key]
    if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
        raise ValueError(f"{where(path, key)}: expected {kind.__name__}, got {value!r}")
    return value


def text(body: Mapping[str, Any], key: str, path: str, default: Any = ...) -> Any:
    value = member(body, key, str, path, default)
    if value == "":
        raise ValueError(f"{where(path, key)}: must not be empty")
    return value


def only(body: Any, keys: set[str], path: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise ValueError(f"{path}: expected an object, got {type(body).__name__}")
    unknown = sorted(set(body) - keys)
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {', '.join(unknown)}")
    return body
