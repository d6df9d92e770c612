"""The DMS facet's gateway (dms.py): only GET, anything else a recorded 405."""

from __future__ import annotations

import pytest

from pulumi_rocketmq_migration.emulator import Emulator

from .helpers import DEMO_INSTANCE, Client, metadata_path


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_anything_but_get_is_a_405_and_recorded(
    client: Client, emulator: Emulator, method: str
) -> None:
    response = client.request(method, metadata_path(DEMO_INSTANCE.id), body=b'{"a": 1}')
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET"
    assert response.json()["error_code"] == "APIGW.0101"
    (record,) = emulator.requests
    assert (record.method, record.status) == (method, 405)
    assert client.get().status_code == 200  # the connection survived the body


def test_head_is_a_405_without_a_body(client: Client, emulator: Emulator) -> None:
    response = client.request("HEAD", metadata_path(DEMO_INSTANCE.id))
    assert response.status_code == 405
    assert response.content == b""
    assert emulator.requests[-1].method == "HEAD"
