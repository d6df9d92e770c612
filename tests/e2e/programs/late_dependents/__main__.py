"""Resources that depend on a gate, each in a different way; a failed gate must leave none of them.

Stack config: ``lookup`` (task | tasks), ``taskId`` (task) or ``taskName`` (tasks), ``timeout``,
and ``turns``: when above 0, the gate's ``error`` output reaches the lookup's own check that many
event-loop turns after the read answered, as if that check were slow. The dependents are:
- ``after-depends-on``: plain inputs and ``depends_on=[gate]`` only;
- ``after-output``: the gate's output as an input (the dependency comes from the Output);
- ``after-parent``: plain inputs and the gate as its parent.
"""

import asyncio

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

from pulumi_rocketmq_migration import MigrationTask, MigrationTasks

INSTANCE = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"

config = pulumi.Config()
turns = config.get_int("turns") or 0


async def after_turns(value):
    for _ in range(turns):
        await asyncio.sleep(0)
    return value


class LateError:
    """The lookup sees its ``error`` output ``turns`` loop turns late (a test seam only)."""

    @property
    def error(self):
        if "late_error" not in self.__dict__:
            self.__dict__["late_error"] = self.__dict__["error"].apply(after_turns)
        return self.__dict__["late_error"]


class SlowTask(LateError, MigrationTask, module="rocketmq", name="MigrationTask"):
    pass


class SlowTasks(LateError, MigrationTasks, module="rocketmq", name="MigrationTasks"):
    pass


class CutoverProvider(ResourceProvider):
    """Stands in for a real change made after the gate."""

    serialize_as_secret_always = False

    def create(self, props):
        return CreateResult(f"made-{props['note']}", dict(props))


class Cutover(Resource):
    note: pulumi.Output[str]

    def __init__(self, name, note, opts=None):
        super().__init__(CutoverProvider(), name, {"note": note}, opts)


common = {
    "instance_id": INSTANCE,
    "wait_for": "finished",
    "timeout": config.get("timeout") or "60s",
    "poll_interval": "1s",
}
if config.get("lookup") == "tasks":
    gate = (SlowTasks if turns else MigrationTasks)(
        "gate", name=config.require("taskName"), **common
    )
else:
    gate = (SlowTask if turns else MigrationTask)(
        "gate", task_id=config.require("taskId"), **common
    )

Cutover("after-depends-on", "plain", pulumi.ResourceOptions(depends_on=[gate]))
Cutover("after-output", gate.instance_id)
Cutover("after-parent", "plain", pulumi.ResourceOptions(parent=gate))
