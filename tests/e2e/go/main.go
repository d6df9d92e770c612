// Command runner runs one story (stories.go) as an Automation API inline program:
//
//	runner JOB.json RESULT.json
//
// JOB: {story, op: "preview" | "up", projectName, stackName, pluginDir, parallel, config}.
// RESULT: {ok, error, stdout, outputs, deployment, seconds}. The engine and the plugin come
// from PATH and PULUMI_* variables the caller sets (file backend, passphrase). The e2e tests
// add the example's program (examples/go-gate) to the stories as "example" when they build it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

type job struct {
	Story       string `json:"story"`
	Op          string `json:"op"`
	ProjectName string `json:"projectName"`
	StackName   string `json:"stackName"`
	PluginDir   string `json:"pluginDir"`
	Parallel    int    `json:"parallel"`
	Config      map[string]struct {
		Value  string `json:"value"`
		Secret bool   `json:"secret"`
	} `json:"config"`
}

type result struct {
	OK         bool            `json:"ok"`
	Error      string          `json:"error,omitempty"`
	Stdout     string          `json:"stdout"`
	Outputs    map[string]any  `json:"outputs,omitempty"`
	Deployment json.RawMessage `json:"deployment"`
	Seconds    float64         `json:"seconds"`
}

func run(ctx context.Context, j job) (*result, error) {
	program, ok := stories[j.Story]
	if !ok {
		return nil, fmt.Errorf("no story %q", j.Story)
	}
	// The plugin is found where `plugins: providers:` in Pulumi.yaml says (no PATH warning).
	project := workspace.Project{
		Name:    tokens.PackageName(j.ProjectName),
		Runtime: workspace.NewProjectRuntimeInfo("go", nil),
		Plugins: &workspace.Plugins{Providers: []workspace.PluginOptions{
			{Name: "rocketmq-migration", Path: j.PluginDir},
		}},
	}
	stack, err := auto.UpsertStackInlineSource(ctx, j.StackName, j.ProjectName, program,
		auto.Project(project))
	if err != nil {
		return nil, err
	}
	config := auto.ConfigMap{}
	for key, value := range j.Config {
		config[key] = auto.ConfigValue{Value: value.Value, Secret: value.Secret}
	}
	if err := stack.SetAllConfig(ctx, config); err != nil {
		return nil, err
	}
	var printed bytes.Buffer
	res := &result{OK: true}
	started := time.Now()
	if j.Op == "preview" {
		opts := []optpreview.Option{optpreview.ProgressStreams(&printed)}
		if j.Parallel > 0 {
			opts = append(opts, optpreview.Parallel(j.Parallel))
		}
		_, err = stack.Preview(ctx, opts...)
	} else {
		opts := []optup.Option{optup.ProgressStreams(&printed)}
		if j.Parallel > 0 {
			opts = append(opts, optup.Parallel(j.Parallel))
		}
		var up auto.UpResult
		up, err = stack.Up(ctx, opts...)
		res.Outputs = map[string]any{}
		for key, value := range up.Outputs {
			res.Outputs[key] = value.Value
		}
	}
	if err != nil {
		res.OK, res.Error = false, err.Error()
	}
	res.Seconds = time.Since(started).Seconds()
	res.Stdout = printed.String()
	exported, err := stack.Export(ctx)
	if err != nil {
		return nil, err
	}
	res.Deployment = exported.Deployment
	return res, nil
}

func main() {
	text, err := os.ReadFile(os.Args[1])
	if err == nil {
		var j job
		if err = json.Unmarshal(text, &j); err == nil {
			var res *result
			if res, err = run(context.Background(), j); err == nil {
				text, _ = json.Marshal(res)
				err = os.WriteFile(os.Args[2], text, 0o600)
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
