"""Automation: a pipeline step that previews and runs the gate through the Automation API.

    python examples/automation --endpoint URL --project-id PID [--stack ci]

Credentials come from the environment (HW_ACCESS_KEY, HW_SECRET_KEY). Exits 0
when the migration finished and the cut-over ran, 1 otherwise.
"""

import argparse
import sys
from pathlib import Path

from pulumi import automation as auto

GATE = Path(__file__).resolve().parent.parent / "gate"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="ci")
    parser.add_argument("--gate-dir", default=str(GATE), help="the gate project (default: ../gate)")
    parser.add_argument("--endpoint", help="DMS endpoint override (e.g. the emulator)")
    parser.add_argument("--region")
    parser.add_argument("--project-id", required=True)
    parser.add_argument("--task-id")
    parser.add_argument("--timeout", default="30m")
    parser.add_argument("--poll-interval", default="10s")
    args = parser.parse_args()

    stack = auto.create_or_select_stack(stack_name=args.stack, work_dir=args.gate_dir)
    settings = {
        "huaweicloud:projectId": args.project_id,
        "huaweicloud:dmsEndpoint": args.endpoint,
        "huaweicloud:region": args.region,
        "rocketmq-migration-gate:taskId": args.task_id,
        "rocketmq-migration-gate:timeout": args.timeout,
        "rocketmq-migration-gate:pollInterval": args.poll_interval,
    }
    for key, value in settings.items():
        if value:
            stack.set_config(key, auto.ConfigValue(value=value))

    preview = stack.preview(on_output=print)
    print(f"preview: {preview.change_summary}")
    try:
        result = stack.up(on_output=print)
    except auto.CommandError as exc:
        print(f"gate stopped the pipeline: {exc}", file=sys.stderr)
        return 1
    outputs = result.outputs
    print(f"migration {outputs['migration_status'].value}; cut-over {outputs['cutover'].value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
