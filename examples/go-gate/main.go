package main

import (
	rmq "github.com/rocketmq-migration/pulumi-rocketmq-migration/sdk/go/rocketmqmigration"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(program)
}

// program gates on one migration task: `pulumi preview` shows its live status and never
// waits; `pulumi up` waits for finished, and stops at once on failed or when the timeout
// runs out.
func program(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	migration, err := rmq.NewMigrationTask(ctx, "migration", &rmq.MigrationTaskArgs{
		InstanceId:   pulumi.String(get(cfg, "instanceId", "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f")),
		TaskId:       pulumi.String(get(cfg, "taskId", "d41f0c6a-7e2b-4a9d-b3c5-1f2e3d4c5b6a")),
		WaitFor:      rmq.TaskStatusArray{rmq.TaskStatusFinished},
		Timeout:      pulumi.String(get(cfg, "timeout", "30m")),
		PollInterval: pulumi.String(get(cfg, "pollInterval", "10s")),
	})
	if err != nil {
		return err
	}
	// Stands in for what must wait for the migration (consumers switched to the new
	// instance, say): it is created only once the gate has passed.
	cutover, err := rmq.NewMigrationTasks(ctx, "cutover", &rmq.MigrationTasksArgs{
		InstanceId: migration.InstanceId,
		Status:     rmq.TaskStatusFinished,
	}, pulumi.DependsOn([]pulumi.Resource{migration}))
	if err != nil {
		return err
	}
	ctx.Export("migrationStatus", migration.Status)
	ctx.Export("finishedAfterCutover", cutover.Total)
	return nil
}

func get(cfg *config.Config, key, fallback string) string {
	if value := cfg.Get(key); value != "" {
		return value
	}
	return fallback
}
