"""schema/schema.json as the code reads it: the one source of names and types.

The plugin serves it and checks every input against it; the Python lookups, the
SDKs and the reference docs are held to it by tests. Names in the schema are
camelCase; the core's are snake_case, and ``snake``/``camel`` turn one into the other.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from ._version import __version__


@cache
def schema() -> dict[str, Any]:
    """The package schema as shipped in the package (a link to schema/schema.json)."""
    text = resources.files(__package__).joinpath("schema.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def served() -> str:
    """The schema the plugin serves: the file, with the package's version."""
    return json.dumps({**schema(), "version": __version__})


PACKAGE = "rocketmq-migration"
# Each lookup's function and gate resource.
FUNCTIONS = {
    f"{PACKAGE}:index:getMigrationTask": "task",
    f"{PACKAGE}:index:getMigrationTasks": "tasks",
}
RESOURCES = {
    f"{PACKAGE}:index:MigrationTask": "task",
    f"{PACKAGE}:index:MigrationTasks": "tasks",
}


def snake(name: str) -> str:
    """``instanceId`` -> ``instance_id``."""
    return re.sub(r"(?<!^)([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def camel(name: str) -> str:
    """``instance_id`` -> ``instanceId``."""
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def inputs_of(token: str) -> tuple[dict[str, Any], tuple[str, ...]]:
    """A function's or resource's input properties (camelCase) and its required ones.

    Every lookup requires one (``instanceId``), so the schema always lists them."""
    document = schema()
    if token in document["functions"]:
        spec = document["functions"][token]["inputs"]
        return spec["properties"], tuple(spec["required"])
    spec = document["resources"][token]
    return spec["inputProperties"], tuple(spec["requiredInputs"])


def lookup_inputs(lookup: str) -> tuple[str, ...]:
    """The inputs of a lookup kind (``task`` or ``tasks``), snake_case."""
    token = next(t for t, kind in RESOURCES.items() if kind == lookup)
    return tuple(snake(name) for name in inputs_of(token)[0])


def resolve_ref(spec: dict[str, Any]) -> dict[str, Any]:
    """A property's spec, or the schema type its ``$ref`` names (what its values may be)."""
    ref = spec.get("$ref")
    if not ref:
        return spec
    resolved: dict[str, Any] = schema()["types"][ref.removeprefix("#/types/")]
    return resolved


def config_variables() -> dict[str, Any]:
    """The provider's configuration keys (camelCase, without the namespace)."""
    variables: dict[str, Any] = schema()["config"]["variables"]
    return variables
