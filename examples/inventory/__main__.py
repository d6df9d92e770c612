"""Inventory: all rabbitToRocket tasks of an instance, every page, counted by status."""

import pulumi

from pulumi_rocketmq_migration import MigrationTasks

config = pulumi.Config()
rabbit = MigrationTasks(
    "rabbit-migrations",
    instance_id=config.get("instanceId") or "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f",
    task_type="rabbitToRocket",
)

pulumi.export("total", rabbit.total)
pulumi.export("ids", rabbit.ids)
pulumi.export("status_counts", rabbit.status_counts)
