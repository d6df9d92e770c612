"""What the emulator's IAM facet knows (``iam.py``), read from a scenario's ``iam``.

Identity providers and the id tokens each accepts, agencies that may be assumed, the
projects of each region, and how long the temporary keys it issues live.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .shape import member, only, text


@attrs.frozen
class Agency:
    """An agency that may be assumed: its name, and the domain it belongs to."""

    name: str
    domain_name: str
    domain_id: str


@attrs.frozen
class Project:
    id: str
    region: str


@attrs.frozen
class IamSpec:
    """What IAM knows: identity providers (id -> accepted id tokens), agencies, projects,
    and the longest life of the temporary keys it issues (None: as long as asked)."""

    identity_providers: Mapping[str, frozenset[str]] = attrs.field(factory=dict, repr=False)
    agencies: tuple[Agency, ...] = ()
    projects: tuple[Project, ...] = ()
    key_lifetime_seconds: float | None = None

    @classmethod
    def from_dict(cls, body: Any, path: str = "$.iam") -> IamSpec:
        keys = {"identity_providers", "agencies", "projects", "key_lifetime_seconds"}
        body = only(body, keys, path)
        providers: dict[str, frozenset[str]] = {}
        for i, item in enumerate(member(body, "identity_providers", list, path, [])):
            where = f"{path}.identity_providers[{i}]"
            item = only(item, {"id", "id_tokens"}, where)
            tokens = member(item, "id_tokens", list, where)
            if not all(isinstance(t, str) and t for t in tokens):
                raise ValueError(f"{where}.id_tokens: expected non-empty strings")
            providers[text(item, "id", where)] = frozenset(tokens)
        agencies = []
        for i, item in enumerate(member(body, "agencies", list, path, [])):
            where = f"{path}.agencies[{i}]"
            item = only(item, {"name", "domain_name", "domain_id"}, where)
            agencies.append(
                Agency(
                    text(item, "name", where),
                    text(item, "domain_name", where),
                    text(item, "domain_id", where),
                )
            )
        projects = []
        for i, item in enumerate(member(body, "projects", list, path, [])):
            where = f"{path}.projects[{i}]"
            item = only(item, {"id", "region"}, where)
            projects.append(Project(text(item, "id", where), text(item, "region", where)))
        lifetime = body.get("key_lifetime_seconds")
        if lifetime is not None and (
            not isinstance(lifetime, (int, float)) or isinstance(lifetime, bool) or lifetime <= 0
        ):
            raise ValueError(f"{path}.key_lifetime_seconds: must be a positive number")
        return cls(
            providers,
            tuple(agencies),
            tuple(projects),
            float(lifetime) if lifetime is not None else None,
        )
