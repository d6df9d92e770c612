import * as pulumi from "@pulumi/pulumi";
import * as rocketmq from "pulumi-rocketmq-migration";

const config = new pulumi.Config();
const instanceId = config.get("instanceId") ?? "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f";
const taskId = config.get("taskId") ?? "d41f0c6a-7e2b-4a9d-b3c5-1f2e3d4c5b6a";

// `pulumi preview` shows the task's live status and never waits; `pulumi up` waits for
// finished, and stops at once on failed or when the timeout runs out.
const migration = new rocketmq.MigrationTask("migration", {
    instanceId,
    taskId,
    waitFor: [rocketmq.TaskStatus.Finished],
    timeout: config.get("timeout") ?? "30m",
    pollInterval: config.get("pollInterval") ?? "10s",
});

// Stands in for what must wait for the migration (consumers switched to the new
// instance, say): it is created only once the gate has passed.
const cutover = new rocketmq.MigrationTasks(
    "cutover",
    { instanceId, status: rocketmq.TaskStatus.Finished },
    { dependsOn: [migration] },
);

export const migrationStatus = migration.status;
export const finishedAfterCutover = cutover.total;
