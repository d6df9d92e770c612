"""What a provider process says on the engine's log: progress and warnings, made inert."""

from __future__ import annotations

import sys
import threading
from typing import Any

from .protos import load
from .terminal import printable

_STUB: list[Any] = []
_STUB_LOCK = threading.Lock()


def _engine() -> Any:
    """The engine's Log client, from the address in argv[1]; None when there is none."""
    with _STUB_LOCK:
        if not _STUB:
            address = sys.argv[1] if len(sys.argv) > 1 and ":" in sys.argv[1] else None
            stub = None
            if address:
                try:
                    import grpc  # type: ignore[import-untyped]

                    channel = grpc.insecure_channel(address)
                    stub = load("engine_pb2_grpc").EngineStub(channel)
                except Exception:  # logging must never break a read
                    stub = None
            _STUB.append(stub)
        return _STUB[0]


class EngineLog:
    """Progress lines on the lookup's resource, through the engine's Log service.

    The engine passes its address as a provider process's first argument, to the
    dynamic provider and to the plugin alike; when it cannot be reached (a test
    calling a read directly), lines go to stderr. One channel serves the process.
    """

    def __init__(self, urn: Any) -> None:
        self.urn = urn if isinstance(urn, str) else ""
        self._engine: Any = _engine()

    def info(self, message: str) -> None:
        self._log("INFO", message)

    def warn(self, message: str) -> None:
        self._log("WARNING", message)

    def _log(self, severity: str, message: str) -> None:
        message = printable(message)  # task names come from the service
        if self._engine is not None:
            try:
                engine_pb2 = load("engine_pb2")
                level = getattr(engine_pb2, severity)
                self._engine.Log(
                    engine_pb2.LogRequest(severity=level, message=message, urn=self.urn)
                )
                return
            except Exception:
                pass
        print(message, file=sys.stderr, flush=True)
