// The users' stories the e2e tests run, each a Pulumi program written against the typed SDK.
// Their ids are the emulator scenario's (tests/e2e/test_sdk_stories.py).
import * as pulumi from "@pulumi/pulumi";
import * as rocketmq from "pulumi-rocketmq-migration";

export const INSTANCE = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f";
export const ORDERS = "6cf4dcd3-8471-4139-8b5b-8a3a71f704c7";
export const LIVE = "d41f0c6a-7e2b-4a9d-b3c5-1f2e3d4c5b6a";
export const FAILED = "93a5e0b7-1c4d-4e2f-8a6b-7c8d9e0f1a2b";
export const BIG = "77777777-0000-4000-8000-000000000000";
export const GATES = 12;

export type Program = () => Promise<Record<string, unknown> | void>;

export const stories: Record<string, Program> = {
    // By id (a Promise), by name (an Output), and a listing of 230 tasks.
    lookups: async () => {
        const byId = await rocketmq.getMigrationTask({ instanceId: INSTANCE, taskId: ORDERS });
        const byName = rocketmq.getMigrationTaskOutput({
            instanceId: pulumi.output(INSTANCE),
            name: "task-rocket-sync",
        });
        const bulk = await rocketmq.getMigrationTasks({ instanceId: BIG });
        const rabbit = rocketmq.getMigrationTasksOutput({
            instanceId: INSTANCE,
            taskType: rocketmq.TaskType.RabbitToRocket,
        });
        return {
            byIdName: byId.name,
            byIdStatus: byId.status,
            queues: byId.metadataCounts["queues"],
            byNameId: byName.taskId,
            total: bulk.total,
            distinctIds: new Set(bulk.ids).size,
            firstListed: bulk.tasks[0].name,
            rabbitIds: rabbit.ids,
        };
    },

    // One gate: a preview shows the live status, `up` waits for finished.
    gate: async () => {
        const gate = new rocketmq.MigrationTask("live", {
            instanceId: INSTANCE,
            taskId: LIVE,
            waitFor: [rocketmq.TaskStatus.Finished],
            pollInterval: "1s",
        });
        return { status: gate.status, finished: gate.finished, name: gate.name };
    },

    // A set gate: every RocketMQ-to-RocketMQ task of the instance, up waits for all.
    set: async () => {
        const all = new rocketmq.MigrationTasks("rocket", {
            instanceId: INSTANCE,
            taskType: rocketmq.TaskType.Rocketmq,
            waitFor: [rocketmq.TaskStatus.Finished],
            pollInterval: "1s",
        });
        return { total: all.total, statusCounts: all.statusCounts, ids: all.ids };
    },

    // A failed task stops its gate, and what depends on it is not created.
    failed: async () => {
        const legacy = new rocketmq.MigrationTask("legacy", {
            instanceId: INSTANCE,
            taskId: FAILED,
            waitFor: [rocketmq.TaskStatus.Finished],
        });
        new rocketmq.MigrationTasks("after", { instanceId: INSTANCE }, { dependsOn: [legacy] });
    },

    // Twelve gates waiting at once.
    twelve: async () => {
        const statuses: pulumi.Output<string>[] = [];
        for (let index = 0; index < GATES; index++) {
            const gate = new rocketmq.MigrationTask(`gate${index}`, {
                instanceId: INSTANCE,
                name: `wave-${index}`,
                waitFor: [rocketmq.TaskStatus.Finished],
                pollInterval: "1s",
            });
            statuses.push(gate.status);
        }
        return { statuses: pulumi.all(statuses) };
    },

    // A status no type allows, forced past the compiler: the engine's message names it.
    bad: async () => {
        new rocketmq.MigrationTask("typo", {
            instanceId: INSTANCE,
            taskId: ORDERS,
            waitFor: ["done" as rocketmq.TaskStatus],
        });
    },

    // Keys handed to an explicit provider in clear (from the environment): the SDK makes
    // them secrets.
    provider: async () => {
        const config = new pulumi.Config("e2e");
        const keys = new rocketmq.Provider("keys", {
            dmsEndpoint: config.require("endpoint"),
            projectId: config.require("projectId"),
            accessKey: process.env.E2E_ACCESS_KEY,
            secretKey: process.env.E2E_SECRET_KEY,
            maxRetries: 2,
            insecure: false,
        });
        const gate = new rocketmq.MigrationTask(
            "orders",
            { instanceId: INSTANCE, taskId: ORDERS },
            { provider: keys },
        );
        const read = rocketmq.getMigrationTaskOutput(
            { instanceId: INSTANCE, taskId: ORDERS },
            { provider: keys },
        );
        // And the default provider, configured from the stack's secret config.
        const byDefault = new rocketmq.MigrationTask("sync", {
            instanceId: INSTANCE,
            name: "task-rocket-sync",
        });
        return { status: gate.status, readStatus: read.status, defaultStatus: byDefault.status };
    },
};
