"""Gate: the consumer cut-over marker is created only after the migration finished.

`pulumi preview` shows the task's live status and warns that the update will
wait; `pulumi up` waits for `finished`, and stops on `failed` or on the timeout.
"""

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

from pulumi_rocketmq_migration import MigrationTask


class CutoverProvider(ResourceProvider):
    """Stands in for the real cut-over (switching consumers to the new instance)."""

    serialize_as_secret_always = False

    def create(self, props):
        return CreateResult(f"cutover-{props['task_id']}", dict(props))


class CutoverMarker(Resource):
    task_id: pulumi.Output[str]
    migration_status: pulumi.Output[str]

    def __init__(self, name, task_id, migration_status, opts=None):
        props = {"task_id": task_id, "migration_status": migration_status}
        super().__init__(CutoverProvider(), name, props, opts)


config = pulumi.Config()
migration = MigrationTask(
    "orders-migration",
    instance_id=config.get("instanceId") or "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f",
    task_id=config.get("taskId") or "d41f0c6a-7e2b-4a9d-b3c5-1f2e3d4c5b6a",
    wait_for="finished",
    timeout=config.get("timeout") or "30m",
    poll_interval=config.get("pollInterval") or "10s",
)

marker = CutoverMarker(
    "consumer-cutover",
    task_id=migration.task_id,
    migration_status=migration.status,
    opts=pulumi.ResourceOptions(depends_on=[migration]),
)

pulumi.export("migration_status", migration.status)
pulumi.export("cutover", marker.id)
