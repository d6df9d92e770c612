"""Inventory: all rabbitToRocket tasks of an instance, every page, counted by status."""

import pulumi

from pulumi_rocketmq_migration import MigrationTasks, get_migration_tasks_output

config = pulumi.Config()
instance_id = config.get("instanceId") or "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
rabbit = MigrationTasks("rabbit-migrations", instance_id=instance_id, task_type="rabbitToRocket")

# The same query as an invoke-style function: no resource in the state.
finished = get_migration_tasks_output(instance_id, task_type="rabbitToRocket", status="finished")

pulumi.export("total", rabbit.total)
pulumi.export("ids", rabbit.ids)
pulumi.export("status_counts", rabbit.status_counts)
pulumi.export("finished_ids", finished.apply(lambda result: result.ids))
