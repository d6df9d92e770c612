"""The detail form's ``json_content``: the part of a task's metadata a query asks for.

``type=vhost`` gives the vhosts; ``type=exchange&name=V`` the exchanges of vhost V;
``type=queue&name=V-E`` the queues bound to exchange E in vhost V, with those bindings;
``type=all`` everything the task migrated (topics and groups for RocketMQ tasks).
Since vhost and exchange names may themselves contain '-', ``V-E`` is matched against
every known (vhost, exchange) pair rather than split at one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..models import MetadataKind


def _entries(metadata: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return list(metadata.get(key, []))


def _exchange_pairs(metadata: Mapping[str, Any]) -> set[tuple[str, str]]:
    pairs = {(str(e.get("vhost")), str(e.get("name"))) for e in _entries(metadata, "exchanges")}
    pairs |= {(str(b.get("vhost")), str(b.get("source"))) for b in _entries(metadata, "bindings")}
    return pairs


def select(metadata: Mapping[str, Any], kind: MetadataKind, name: str | None) -> dict[str, Any]:
    """The metadata ``kind`` and ``name`` select; ``name`` is required for exchange and queue."""
    if kind is MetadataKind.ALL:
        return dict(metadata)
    if kind is MetadataKind.VHOST:
        return {"vhosts": _entries(metadata, "vhosts")}
    if kind is MetadataKind.EXCHANGE:
        return {"exchanges": [e for e in _entries(metadata, "exchanges") if e.get("vhost") == name]}
    pairs = {pair for pair in _exchange_pairs(metadata) if f"{pair[0]}-{pair[1]}" == name}
    bindings = [
        b
        for b in _entries(metadata, "bindings")
        if (b.get("vhost"), b.get("source")) in pairs
        and b.get("destination_type", "queue") == "queue"
    ]
    bound = {(b.get("vhost"), b.get("destination")) for b in bindings}
    queues = [q for q in _entries(metadata, "queues") if (q.get("vhost"), q.get("name")) in bound]
    return {"queues": queues, "bindings": bindings}


def json_content(metadata: Mapping[str, Any], kind: MetadataKind, name: str | None) -> str:
    """``select`` as the JSON string the API puts in ``json_content``."""
    return json.dumps(select(metadata, kind, name), separators=(",", ":"))
