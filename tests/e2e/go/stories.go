package main

// The users' stories the e2e tests run, the same as the TypeScript ones (../nodejs/stories.ts),
// each a Pulumi program written against the typed Go SDK.

import (
	"fmt"
	"os"

	rmq "github.com/rocketmq-migration/pulumi-rocketmq-migration/sdk/go/rocketmqmigration"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

const (
	instance = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
	orders   = "6cf4dcd3-8471-4139-8b5b-8a3a71f704c7"
	live     = "d41f0c6a-7e2b-4a9d-b3c5-1f2e3d4c5b6a"
	failed   = "93a5e0b7-1c4d-4e2f-8a6b-7c8d9e0f1a2b"
	big      = "77777777-0000-4000-8000-000000000000"
	gates    = 12
)

var stories = map[string]pulumi.RunFunc{
	// By id (a plain call), by name (an Output), and a listing of 230 tasks.
	"lookups": func(ctx *pulumi.Context) error {
		byID, err := rmq.GetMigrationTask(ctx, &rmq.GetMigrationTaskArgs{
			InstanceId: instance, TaskId: pulumi.StringRef(orders),
		})
		if err != nil {
			return err
		}
		byName := rmq.GetMigrationTaskOutput(ctx, rmq.GetMigrationTaskOutputArgs{
			InstanceId: pulumi.String(instance), Name: pulumi.String("task-rocket-sync"),
		})
		bulk, err := rmq.GetMigrationTasks(ctx, &rmq.GetMigrationTasksArgs{InstanceId: big})
		if err != nil {
			return err
		}
		rabbit := rmq.GetMigrationTasksOutput(ctx, rmq.GetMigrationTasksOutputArgs{
			InstanceId: pulumi.String(instance), TaskType: rmq.TaskTypeRabbitToRocket,
		})
		distinct := map[string]bool{}
		for _, id := range bulk.Ids {
			distinct[id] = true
		}
		ctx.Export("byIdName", pulumi.String(byID.Name))
		ctx.Export("byIdStatus", pulumi.String(byID.Status))
		ctx.Export("queues", pulumi.Int(byID.MetadataCounts["queues"]))
		ctx.Export("byNameId", byName.TaskId())
		ctx.Export("total", pulumi.Int(bulk.Total))
		ctx.Export("distinctIds", pulumi.Int(len(distinct)))
		ctx.Export("firstListed", pulumi.String(bulk.Tasks[0].Name))
		ctx.Export("rabbitIds", rabbit.Ids())
		return nil
	},

	// One gate: a preview shows the live status, `up` waits for finished.
	"gate": func(ctx *pulumi.Context) error {
		gate, err := rmq.NewMigrationTask(ctx, "live", &rmq.MigrationTaskArgs{
			InstanceId:   pulumi.String(instance),
			TaskId:       pulumi.String(live),
			WaitFor:      rmq.TaskStatusArray{rmq.TaskStatusFinished},
			PollInterval: pulumi.String("1s"),
		})
		if err != nil {
			return err
		}
		ctx.Export("status", gate.Status)
		ctx.Export("finished", gate.Finished)
		ctx.Export("name", gate.Name)
		return nil
	},

	// A set gate: every RocketMQ-to-RocketMQ task of the instance, up waits for all.
	"set": func(ctx *pulumi.Context) error {
		all, err := rmq.NewMigrationTasks(ctx, "rocket", &rmq.MigrationTasksArgs{
			InstanceId:   pulumi.String(instance),
			TaskType:     rmq.TaskTypeRocketmq,
			WaitFor:      rmq.TaskStatusArray{rmq.TaskStatusFinished},
			PollInterval: pulumi.String("1s"),
		})
		if err != nil {
			return err
		}
		ctx.Export("total", all.Total)
		ctx.Export("statusCounts", all.StatusCounts)
		ctx.Export("ids", all.Ids)
		return nil
	},

	// A failed task stops its gate, and what depends on it is not created.
	"failed": func(ctx *pulumi.Context) error {
		legacy, err := rmq.NewMigrationTask(ctx, "legacy", &rmq.MigrationTaskArgs{
			InstanceId: pulumi.String(instance),
			TaskId:     pulumi.String(failed),
			WaitFor:    rmq.TaskStatusArray{rmq.TaskStatusFinished},
		})
		if err != nil {
			return err
		}
		_, err = rmq.NewMigrationTasks(ctx, "after",
			&rmq.MigrationTasksArgs{InstanceId: pulumi.String(instance)},
			pulumi.DependsOn([]pulumi.Resource{legacy}))
		return err
	},

	// Twelve gates waiting at once.
	"twelve": func(ctx *pulumi.Context) error {
		statuses := pulumi.StringArray{}
		for index := 0; index < gates; index++ {
			gate, err := rmq.NewMigrationTask(ctx, fmt.Sprintf("gate%d", index),
				&rmq.MigrationTaskArgs{
					InstanceId:   pulumi.String(instance),
					Name:         pulumi.String(fmt.Sprintf("wave-%d", index)),
					WaitFor:      rmq.TaskStatusArray{rmq.TaskStatusFinished},
					PollInterval: pulumi.String("1s"),
				})
			if err != nil {
				return err
			}
			statuses = append(statuses, gate.Status)
		}
		ctx.Export("statuses", statuses)
		return nil
	},

	// A status Go's untyped constants let through: the engine's message names it.
	"bad": func(ctx *pulumi.Context) error {
		_, err := rmq.NewMigrationTask(ctx, "typo", &rmq.MigrationTaskArgs{
			InstanceId: pulumi.String(instance),
			TaskId:     pulumi.String(orders),
			WaitFor:    rmq.TaskStatusArray{"done"},
		})
		return err
	},

	// Keys handed to an explicit provider in clear (from the environment): the SDK makes
	// them secrets. And the default provider, configured from the stack's secret config.
	"provider": func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "e2e")
		keys, err := rmq.NewProvider(ctx, "keys", &rmq.ProviderArgs{
			DmsEndpoint: pulumi.String(cfg.Require("endpoint")),
			ProjectId:   pulumi.String(cfg.Require("projectId")),
			AccessKey:   pulumi.String(os.Getenv("E2E_ACCESS_KEY")),
			SecretKey:   pulumi.String(os.Getenv("E2E_SECRET_KEY")),
			MaxRetries:  pulumi.Int(2),
			Insecure:    pulumi.Bool(false),
		})
		if err != nil {
			return err
		}
		gate, err := rmq.NewMigrationTask(ctx, "orders", &rmq.MigrationTaskArgs{
			InstanceId: pulumi.String(instance), TaskId: pulumi.String(orders),
		}, pulumi.Provider(keys))
		if err != nil {
			return err
		}
		read := rmq.GetMigrationTaskOutput(ctx, rmq.GetMigrationTaskOutputArgs{
			InstanceId: pulumi.String(instance), TaskId: pulumi.String(orders),
		}, pulumi.Provider(keys))
		byDefault, err := rmq.NewMigrationTask(ctx, "sync", &rmq.MigrationTaskArgs{
			InstanceId: pulumi.String(instance), Name: pulumi.String("task-rocket-sync"),
		})
		if err != nil {
			return err
		}
		ctx.Export("status", gate.Status)
		ctx.Export("readStatus", read.Status())
		ctx.Export("defaultStatus", byDefault.Status)
		return nil
	},
}
