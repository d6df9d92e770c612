"""Listing every task of an instance: our client, the official SDK and a raw requests loop.

All three run in this process against an emulator subprocess (so the server does not
share our GIL), page through the same instance 50 tasks at a time and parse the JSON.
Requests and response body bytes are counted by wrapping ``HTTPAdapter.send``, which all
three go through (the official SDK also uses requests).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import attrs
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials  # type: ignore[import-untyped]
from huaweicloudsdkrocketmq.v2 import (  # type: ignore[import-untyped]
    ListRocketMqMigrationTaskRequest,
    RocketMQClient,
)
from requests.adapters import HTTPAdapter

from pulumi_rocketmq_migration.client import MAX_PAGE_SIZE, MigrationClient
from pulumi_rocketmq_migration.listing import read_tasks
from pulumi_rocketmq_migration.settings import Credentials, Settings

from .common import ACCESS_KEY, PROJECT_ID, SECRET_KEY, TOKEN, instance_id, median

PAGE = MAX_PAGE_SIZE
CLIENTS = ("ours", "official", "raw")


@attrs.define
class Counter:
    requests: int = 0
    bytes: int = 0
    not_ok: int = 0


@contextmanager
def counting() -> Iterator[Counter]:
    """Count every request sent through requests' HTTPAdapter, and its response body bytes."""
    counter = Counter()
    original = HTTPAdapter.send

    def send(self: HTTPAdapter, request: Any, *args: Any, **kwargs: Any) -> requests.Response:
        response = original(self, request, *args, **kwargs)
        counter.requests += 1
        counter.bytes += len(response.content)
        counter.not_ok += response.status_code != 200
        return response

    HTTPAdapter.send = send  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]


# Each lister is built (untimed), then called (timed) and returns how many tasks it read.
Lister = Callable[[str], int]


def ours(url: str) -> Lister:
    credentials = Credentials(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    client = MigrationClient(Settings(endpoint=url, project_id=PROJECT_ID, credentials=credentials))
    return lambda instance: len(read_tasks(client, instance))


def official(url: str) -> Lister:
    client = (
        RocketMQClient.new_builder()
        .with_credentials(BasicCredentials(ACCESS_KEY, SECRET_KEY, PROJECT_ID))
        .with_endpoint(url)
        .build()
    )

    def list_all(instance: str) -> int:
        tasks: list[Any] = []
        page = 1  # offset is a page number from 1
        while True:
            request = ListRocketMqMigrationTaskRequest(
                instance_id=instance, offset=page, limit=PAGE
            )
            answer = client.list_rocket_mq_migration_task(request)
            tasks.extend(answer.task or [])
            if not answer.task or len(tasks) >= answer.total:
                return len(tasks)
            page += 1

    return list_all


def raw(url: str) -> Lister:
    """The floor: one session, a token header (no signing), ``response.json()``."""
    session = requests.Session()
    session.headers["X-Auth-Token"] = TOKEN

    def list_all(instance: str) -> int:
        tasks: list[Any] = []
        page = 1
        while True:
            address = f"{url}/v2/{PROJECT_ID}/instances/{instance}/metadata"
            body = session.get(address, params={"offset": page, "limit": PAGE}).json()
            tasks.extend(body["task"])
            if not body["task"] or len(tasks) >= body["total"]:
                return len(tasks)
            page += 1

    return list_all


MAKERS: dict[str, Callable[[str], Lister]] = {"ours": ours, "official": official, "raw": raw}


def run_once(url: str, client: str, count: int) -> dict[str, float]:
    lister = MAKERS[client](url)
    with counting() as counter:
        start, cpu = time.perf_counter(), time.process_time()
        read = lister(instance_id(count))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if read != count or counter.not_ok:
        raise RuntimeError(f"{client} read {read} of {count} tasks ({counter.not_ok} not 200)")
    return {
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "requests": counter.requests,
        "bytes": counter.bytes,
    }


def run(url: str, counts: Sequence[int], reps: dict[int, int], skip: set[tuple[str, int]]) -> Any:
    """Median wall and client CPU time, requests and bytes per (count, client).

    Repetitions interleave the clients, so drift in the machine's load hits them alike.
    """
    for client in CLIENTS:  # warm up: imports, first connection
        run_once(url, client, min(counts))
    results: dict[str, dict[str, Any]] = {}
    for count in counts:
        runs: dict[str, list[dict[str, float]]] = {c: [] for c in CLIENTS if (c, count) not in skip}
        for _ in range(reps[count]):
            for client, done in runs.items():
                done.append(run_once(url, client, count))
        row: dict[str, Any] = {}
        for client, done in runs.items():
            row[client] = {
                "seconds": [d["seconds"] for d in done],
                "median_seconds": median([d["seconds"] for d in done]),
                "median_cpu_seconds": median([d["cpu_seconds"] for d in done]),
                "requests": int(done[0]["requests"]),
                "bytes": int(done[0]["bytes"]),
            }
        results[str(count)] = row
    return results


def round_trip(url: str, task_id: str, count: int, samples: int) -> dict[str, float]:
    """Median seconds of one request on a warm connection: what a lookup sends, and raw."""
    credentials = Credentials(access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    settings = Settings(endpoint=url, project_id=PROJECT_ID, credentials=credentials)
    instance = instance_id(count)
    session = requests.Session()
    session.headers["X-Auth-Token"] = TOKEN
    address = f"{url}/v2/{PROJECT_ID}/instances/{instance}/metadata"

    def ours_once() -> None:
        client.get_task(instance, task_id, kind="all")

    def raw_once() -> None:
        session.get(address, params={"id": task_id, "type": "all"}).json()

    result: dict[str, float] = {}
    with MigrationClient(settings) as client:
        for name, call in (("ours", ours_once), ("raw", raw_once)):
            call()
            times = []
            for _ in range(samples):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
            result[name] = median(times)
    return result
