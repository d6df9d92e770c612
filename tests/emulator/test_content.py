"""Selecting json_content: names with '-' in them, and kinds a task did not migrate."""

from __future__ import annotations

import json

from pulumi_rocketmq_migration.emulator.content import json_content, select
from pulumi_rocketmq_migration.models import MetadataKind, MigratedMetadata

METADATA = {
    "vhosts": [{"name": "a-b"}, {"name": "a"}],
    "exchanges": [
        {"vhost": "a-b", "name": "c", "type": "direct", "durable": True},
        {"vhost": "a", "name": "b-c", "type": "topic", "durable": True},
    ],
    "queues": [
        {"vhost": "a-b", "name": "q1", "durable": True},
        {"vhost": "a", "name": "q1", "durable": True},
        {"vhost": "a", "name": "q2", "durable": False},
    ],
    "bindings": [
        {"vhost": "a-b", "source": "c", "destination": "q1", "destination_type": "queue"},
        {"vhost": "a", "source": "b-c", "destination": "q2", "destination_type": "queue"},
        {"vhost": "a", "source": "b-c", "destination": "x", "destination_type": "exchange"},
    ],
}


def test_a_hyphenated_name_matches_every_vhost_exchange_pair() -> None:
    # "a-b-c" is both (a-b, c) and (a, b-c).
    chosen = select(METADATA, MetadataKind.QUEUE, "a-b-c")
    assert [(q["vhost"], q["name"]) for q in chosen["queues"]] == [("a-b", "q1"), ("a", "q2")]
    assert len(chosen["bindings"]) == 2  # exchange-to-exchange bindings are left out


def test_kinds_a_task_did_not_migrate_are_empty() -> None:
    rocket = {"topicConfigTable": {"t": {"topicName": "t"}}}
    assert select(rocket, MetadataKind.VHOST, None) == {"vhosts": []}
    assert select(rocket, MetadataKind.QUEUE, "v-e") == {"queues": [], "bindings": []}
    meta = MigratedMetadata.from_json_content(json_content(rocket, MetadataKind.ALL, None))
    assert meta.topics == ("t",)


def test_json_content_is_compact_json() -> None:
    text = json_content(METADATA, MetadataKind.EXCHANGE, "a")
    assert json.loads(text) == {"exchanges": [METADATA["exchanges"][1]]}
    assert " " not in text
