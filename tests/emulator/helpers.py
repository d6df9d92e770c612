"""Shared helpers: the test credentials and a signing client that checks the schema.

Every 200 answer the client receives is validated against ``schema/openapi.json``'s
200 response schema, and every error body against its Error schema, so each test
also checks the emulator answers in the documented shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests
from openapi_schema_validator import OAS30Validator

from pulumi_rocketmq_migration import signer
from pulumi_rocketmq_migration.emulator import Emulator, Scenario

AK = "EMULATORTESTAK0000001"
SK = "emulator-test-secret-key-0000000000000001"
PROJECT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
TOKEN = "MIIT-test-token"

ROOT = Path(__file__).resolve().parents[2]
SPEC = json.loads((ROOT / "schema" / "openapi.json").read_text())
DEMO = Scenario.demo()
DEMO_INSTANCE = next(iter(DEMO.instances.values()))
RABBIT_ID = "6cf4dcd3-8471-4139-8b5b-8a3a71f704c7"
ROCKET_ID = "2b7e9a41-5c3d-4f8e-a1b2-93c4d5e6f708"
LIVE_ID = "d41f0c6a-7e2b-4a9d-b3c5-1f2e3d4c5b6a"
FAILED_ID = "93a5e0b7-1c4d-4e2f-8a6b-7c8d9e0f1a2b"


def _validator(schema: Mapping[str, Any]) -> OAS30Validator:
    # The components ride along in the root so "#/components/..." references resolve.
    return OAS30Validator({**schema, "components": SPEC["components"]})


_OPERATION = SPEC["paths"]["/v2/{project_id}/instances/{instance_id}/metadata"]["get"]
OK_VALIDATOR = _validator(_OPERATION["responses"]["200"]["content"]["application/json"]["schema"])
ERROR_VALIDATOR = _validator({"$ref": "#/components/schemas/Error"})


def metadata_path(instance_id: str, project_id: str = PROJECT) -> str:
    return f"/v2/{project_id}/instances/{instance_id}/metadata"


class Client:
    """Signs like the SDK (or sends a token) and checks every answer's shape."""

    def __init__(self, target: Emulator | str) -> None:
        self.target = target  # an emulator, or the URL of one in another process
        self.session = requests.Session()

    @property
    def emulator(self) -> Emulator:
        assert isinstance(self.target, Emulator)
        return self.target

    @property
    def base_url(self) -> str:
        return self.target if isinstance(self.target, str) else self.target.base_url

    def request(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]] = (),
        *,
        access_key: str = AK,
        secret_key: str = SK,
        date: datetime | None = None,
        token: str | None = None,
        sign: bool = True,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        check: bool = True,
        stream: bool = False,
    ) -> requests.Response:
        base = self.base_url
        host = base.split("://", 1)[1]
        sent: dict[str, str] = {"Host": host, "Content-Type": "application/json"}
        sent.update(headers or {})
        if token is not None:
            sent["X-Auth-Token"] = token
        elif sign:
            when = signer.sdk_date(date or datetime.now(timezone.utc))
            sent = signer.sign(method, path, query, sent, body, access_key, secret_key, when)
        url = base + path + ("?" + signer.encode_query(query) if query else "")
        response = self.session.request(
            method, url, headers=sent, data=body or None, timeout=10, stream=stream
        )
        if check and not stream:
            check_shape(response)
        return response

    def get(
        self, instance_id: str = DEMO_INSTANCE.id, query: Sequence[tuple[str, str]] = (), **kw: Any
    ) -> requests.Response:
        return self.request("GET", metadata_path(instance_id), query, **kw)


def check_shape(response: requests.Response) -> None:
    """The body matches the OpenAPI 200 schema, or the Error schema for an error."""
    if response.request.method == "HEAD":
        return
    body = response.json()
    if response.status_code == 200:
        OK_VALIDATOR.validate(body)
    else:
        ERROR_VALIDATOR.validate(body)


def serve(scenario: Scenario, **kw: Any) -> Emulator:
    """An emulator (not yet started) for ``scenario`` with the test credentials."""
    return Emulator(
        scenario, access_key=AK, secret_key=SK, project_id=PROJECT, tokens=[TOKEN], **kw
    )


def generated(count: int, **generate: Any) -> Scenario:
    return Scenario.from_dict(
        {"instances": [{"id": "gen", "generate": {"count": count, **generate}}]}
    )
