"""Quickstart: one migration task by id; its live status shows in every preview."""

import pulumi

from pulumi_rocketmq_migration import MigrationTask

config = pulumi.Config()
task = MigrationTask(
    "orders-migration",
    instance_id=config.get("instanceId") or "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f",
    task_id=config.get("taskId") or "6cf4dcd3-8471-4139-8b5b-8a3a71f704c7",
)

pulumi.export("name", task.name)
pulumi.export("status", task.status)
pulumi.export("type", task.type)
pulumi.export("start_date", task.start_date)
pulumi.export("finished", task.finished)
pulumi.export("migrated", task.metadata_counts)
