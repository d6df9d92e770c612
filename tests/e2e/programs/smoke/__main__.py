"""One Python dynamic resource whose records live in files in a directory.

Config: `smoke:store` (directory for the records, required), `smoke:message` (plain, default
"hello") and `smoke:token` (a secret, optional).
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, Resource, ResourceProvider


class RecordProvider(ResourceProvider):
    """Creates, reads and deletes a JSON file `<store>/<id>.json`."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        import json
        import pathlib
        import uuid

        record_id = uuid.uuid4().hex[:12]
        path = pathlib.Path(props["store"]) / f"{record_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"message": props["message"]}))
        outs = {**props, "path": str(path), "length": len(props["message"])}
        return CreateResult(id_=record_id, outs=outs)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        import json
        import pathlib

        path = pathlib.Path(props["store"]) / f"{id_}.json"
        if not path.exists():
            return ReadResult(None, {})  # gone: refresh drops it from the state
        message = json.loads(path.read_text())["message"]
        return ReadResult(id_, {**props, "message": message, "length": len(message)})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        import pathlib

        (pathlib.Path(props["store"]) / f"{id_}.json").unlink(missing_ok=True)


class Record(Resource):
    path: pulumi.Output[str]
    length: pulumi.Output[int]
    message: pulumi.Output[str]

    def __init__(
        self, name: str, store: str, message: str, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props = {"store": store, "message": message, "path": None, "length": None}
        super().__init__(RecordProvider(), name, props, opts)


config = pulumi.Config()
record = Record("greeting", store=config.require("store"), message=config.get("message") or "hello")

pulumi.export("record_id", record.id)
pulumi.export("path", record.path)
pulumi.export("message", record.message)
pulumi.export("length", record.length)
pulumi.export("token", config.get_secret("token"))
