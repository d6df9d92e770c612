"""A log of every request the emulator received, so tests can assert what was sent.

Every request is recorded, refused ones and non-GET ones too, with credentials'
values blanked. With a file, each record is also appended to it as one JSON line,
so a test in another process (a Pulumi run) can check that nothing but GET was sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "x-auth-token", "x-security-token"})


@attrs.frozen
class RequestRecord:
    """One request: what came in, when (epoch seconds) and the status answered.

    ``status`` is None when the connection was reset instead of answered; ``principal``
    names who called (``permanent``, ``token``, ``agency domain/name``...) once known.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]
    time: float
    status: int | None
    request_id: str
    principal: str | None = None

    @staticmethod
    def redact(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        return tuple(
            (name, REDACTED if name.lower() in SECRET_HEADERS else value) for name, value in headers
        )

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": [list(pair) for pair in self.query],
            "headers": dict(self.headers),
            "time": self.time,
            "status": self.status,
            "request_id": self.request_id,
            "principal": self.principal,
        }


class Recorder:
    """A thread-safe list of RequestRecords, mirrored to a JSON-lines file when given one."""

    def __init__(self, path: str | Path | None = None) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._path = Path(path) if path is not None else None

    def add(self, record: RequestRecord) -> None:
        line = json.dumps(record.to_json()) + "\n" if self._path is not None else ""
        with self._lock:
            self._records.append(record)
            if self._path is not None:
                with self._path.open("a", encoding="utf-8") as file:
                    file.write(line)

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
