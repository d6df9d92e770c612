"""The emulator's endpoint: lifecycle, what tests look at, and which facet answers.

A request is read off the connection (``connection.py``), answered by the IAM
facet when its path is IAM's (``iam.py``, no faults), else by the DMS facet
(``dms.py``: gateway, faults, route, auth, Service), and recorded whatever happens,
with the caller's principal once known, before anything is sent. Every answer
carries an ``X-Request-Id`` (a uuid4) and a JSON body.
"""

from __future__ import annotations

import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from .api import Answer
from .auth import Credentials, Received
from .connection import ApiServer, Handler, Reply, hang, read_body, reset, send
from .dms import DmsFacet
from .faults import FaultPlan, Faults
from .iam import IamAnswer, IamService
from .metadata import MetadataService, TemporaryKeys
from .record import Recorder, RequestRecord
from .scenario import Scenario


class Emulator:
    """A local DMS metadata endpoint (and IAM) serving a Scenario; a context manager.

    ``with Emulator(Scenario.demo(), access_key=..., secret_key=..., project_id=...) as emu:``
    starts it on 127.0.0.1 and a free port (``emu.base_url``) in a daemon thread.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        access_key: str,
        secret_key: str,
        project_id: str,
        tokens: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        record: str | Path | None = None,
        clock: Callable[[], float] = time.monotonic,
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        metadata: MetadataService | None = None,
    ) -> None:
        self.scenario = scenario if scenario is not None else Scenario.demo()
        # The temporary keys the metadata service and IAM issue are accepted too.
        self.metadata = metadata
        keys = metadata.keys if metadata is not None else TemporaryKeys()
        self.credentials = Credentials(
            access_key, secret_key, project_id, frozenset(tokens), temporary=keys
        )
        self.iam = IamService(self.scenario.iam, keys, self.credentials)
        self._address = (host, port)
        self._plan = FaultPlan(self.scenario.faults)
        self.dms = DmsFacet(self.scenario, self.credentials, self._plan, clock)
        self._recorder = Recorder(record)
        self._server: ApiServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()  # ends the ``hang`` fault's waits
        self._tls: ssl.SSLContext | None = None
        if tls_cert is not None:
            # https, as the real endpoint: the certificate file may hold its chain.
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._tls.load_cert_chain(str(tls_cert), str(tls_key) if tls_key else None)

    # Lifecycle

    def start(self) -> Emulator:
        """Bind and serve in a daemon thread; ``after_seconds`` count from here."""
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._server = ApiServer(self._address, self._handle, self._tls)
        self._stopping.clear()
        self.dms.service.restart_clock()
        # A short poll interval makes stop() quick: shutdown() waits for the next poll.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="rocketmq-emulator",
            daemon=True,
        )
        self._thread.start()
        if self.metadata is not None:
            self.metadata.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()
        if self.metadata is not None:
            self.metadata.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running")
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{self._server.server_name}:{self._server.server_port}"

    # What tests look at and change

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received so far, oldest first (a copy)."""
        return self._recorder.records()

    def clear_requests(self) -> None:
        self._recorder.clear()

    @property
    def faults(self) -> Faults:
        return self._plan.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        self.set_faults(faults)

    def set_faults(self, faults: Faults) -> None:
        """Inject ``faults`` from now on, their counters starting at zero."""
        self._plan.set(faults)

    # Serving

    def _handle(self, handler: Handler) -> None:
        if handler.server is not self._server:
            # A connection kept alive past stop(): a stopped server answers nothing.
            reset(handler)
            return
        received_at = time.time()
        request_id = str(uuid.uuid4())
        split = urlsplit(handler.path)
        query = parse_qsl(split.query, keep_blank_values=True)
        raw_headers = list(handler.headers.items())
        headers = {name.lower(): value for name, value in raw_headers}
        body = read_body(handler, headers)
        received = Received(handler.command, split.path, query, headers, body)
        reply = self._reply(received, request_id)
        # Recorded before anything is sent, so a client that got its answer sees the record.
        self._recorder.add(
            RequestRecord(
                method=handler.command,
                path=split.path,
                query=tuple(query),
                headers=RequestRecord.redact(raw_headers),
                time=received_at,
                status=reply.answer.status if isinstance(reply, Reply) else None,
                request_id=request_id,
                principal=reply.principal if isinstance(reply, Reply) else None,
            )
        )
        if reply == "reset":
            reset(handler)
        elif reply == "hang":
            hang(handler, self._stopping)
        else:
            send(handler, reply, request_id, self._stopping)

    def _reply(self, received: Received, request_id: str) -> Reply | Literal["reset", "hang"]:
        """IAM's paths go to the IAM facet; everything else to DMS, behind its gateway."""
        if self.iam.serves(received.path):
            return _iam_reply(self.iam.answer(received, datetime.now(timezone.utc)), request_id)
        return self.dms.answer(received, request_id)


def _iam_reply(iam: IamAnswer, request_id: str) -> Reply:
    """IAM's answer, its error bodies carrying the request id as the gateway's do."""
    answer = iam.answer
    if answer.status >= 400:
        answer = Answer(answer.status, {**answer.body, "request_id": request_id})
    return Reply(answer, extra=iam.headers, principal=iam.principal)
