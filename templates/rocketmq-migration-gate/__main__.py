"""${PROJECT}: ${DESCRIPTION}

Reads the migration task named in the stack configuration. `pulumi preview` shows its
live status; `pulumi up` waits until it reaches `waitFor` (default finished), fails at
once when it fails, and gives up after `timeout`. Resources that must wait for the
migration depend on `migration` (depends_on=[migration]).
"""

import pulumi

from pulumi_rocketmq_migration import MigrationTask

config = pulumi.Config()
migration = MigrationTask(
    "migration",
    instance_id=config.require("instanceId"),
    name=config.require("taskName"),
    wait_for=config.get("waitFor") or "finished",
    timeout=config.get("timeout") or "30m",
)

pulumi.export("task_id", migration.task_id)
pulumi.export("status", migration.status)
pulumi.export("start_date", migration.start_date)
pulumi.export("migrated", migration.metadata_counts)
