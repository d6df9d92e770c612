// Runs one story (or a compiled example module) as an Automation API inline program:
//   node bin/run.js JOB.json RESULT.json
// JOB: {story | module, op: "preview" | "up", projectName, stackName, pluginDir, config}.
// RESULT: {ok, error, stdout, outputs, deployment, seconds}. The engine and the plugin come
// from PATH and PULUMI_* variables the caller sets (file backend, passphrase).
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { Program, stories } from "./stories";

interface Job {
    story?: string;
    module?: string;
    op: "preview" | "up";
    parallel: number; // steps the engine runs at once (0: its default, 8 on 2 CPUs)
    projectName: string;
    stackName: string;
    pluginDir: string;
    config: Record<string, { value: string; secret?: boolean }>;
}

async function main(): Promise<void> {
    const [jobFile, resultFile] = process.argv.slice(2);
    const job: Job = JSON.parse(fs.readFileSync(jobFile, "utf8"));
    const program: Program = job.module
        ? async () => require(path.resolve(job.module as string))
        : stories[job.story as string];
    if (!program) {
        throw new Error(`no story ${job.story}`);
    }
    // The plugin is found where `plugins: providers:` in Pulumi.yaml says (no PATH warning);
    // the SDK's ProjectSettings type does not list that key, so it goes in untyped.
    const projectSettings = {
        name: job.projectName,
        runtime: "nodejs" as const,
        plugins: { providers: [{ name: "rocketmq-migration", path: job.pluginDir }] },
    };
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName: job.stackName, projectName: job.projectName, program },
        { projectSettings },
    );
    await stack.setAllConfig(job.config);
    const started = Date.now();
    const result: Record<string, unknown> = { ok: true };
    const printed: string[] = [];
    const onOutput = (text: string) => printed.push(text);
    const parallel = job.parallel || undefined;
    try {
        if (job.op === "preview") {
            await stack.preview({ onOutput, parallel });
        } else {
            const up = await stack.up({ onOutput, parallel });
            result.outputs = Object.fromEntries(
                Object.entries(up.outputs).map(([k, v]) => [k, v.value]),
            );
        }
    } catch (err) {
        result.ok = false;
        result.error = String((err as Error).message ?? err);
    }
    result.seconds = (Date.now() - started) / 1000;
    result.stdout = printed.join("");
    result.deployment = (await stack.exportStack()).deployment;
    fs.writeFileSync(resultFile, JSON.stringify(result));
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
