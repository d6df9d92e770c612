"""The emulator's DMS facet: the API gateway in front of DMS, and DMS's one route.

A request goes: method check (anything but GET: 405) -> faults -> route -> auth ->
Service (``api.py``) -> faults that spoil a 200. IAM's paths never come here
(``iam.py``, dispatched first by ``server.py``).

Answers that come from the gateway rather than DMS (body ``{"error_code",
"error_msg", "request_id"}``):

- 404 APIGW.0101: a path other than ``/v2/{project_id}/instances/{instance_id}/metadata``.
- 405 APIGW.0101: a method other than GET (with ``Allow: GET``).
- 429 APIGW.0308: the ``throttle`` fault, with ``Retry-After``.
- 5xx from the ``server_errors`` fault: 500 DMS.00500000, 502 and 503 APIGW.0202
  (backend unavailable), 504 APIGW.0203 (backend timeout).
- 401 APIGW.0301 and 403 APIGW.0302 from ``auth``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Literal
from urllib.parse import unquote

from .api import Answer, Service, error
from .auth import Credentials, Received, Refusal, authenticate
from .connection import Reply
from .faults import FaultPlan
from .scenario import Scenario

ROUTE = re.compile(r"/v2/([^/]+)/instances/([^/]+)/metadata")

NO_SUCH_API = "APIGW.0101"
THROTTLED = "APIGW.0308"
_SERVER_ERRORS = {
    502: ("APIGW.0202", "Backend unavailable"),
    503: ("APIGW.0202", "Backend unavailable"),
    504: ("APIGW.0203", "Backend timeout"),
}
_INTERNAL_ERROR = ("DMS.00500000", "Internal service error, please try again later.")


def _gateway(status: int, code: str, message: str, request_id: str) -> Answer:
    return Answer(status, {"error_code": code, "error_msg": message, "request_id": request_id})


class DmsFacet:
    """The gateway and DMS behind it: the faults planned, the callers allowed, the Service."""

    def __init__(
        self,
        scenario: Scenario,
        credentials: Credentials,
        plan: FaultPlan,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.credentials = credentials
        self.plan = plan
        self.service = Service(scenario, clock)

    def answer(self, received: Received, request_id: str) -> Reply | Literal["reset", "hang"]:
        """What to answer, or how to not answer: reset the connection, or hang on it."""
        if received.method != "GET":
            message = f"The API does not exist: {received.method} is not allowed here, only GET"
            answer = _gateway(405, NO_SUCH_API, message, request_id)
            return Reply(answer, extra=(("Allow", "GET"),))
        faults = self.plan.faults
        if faults.latency_seconds:
            time.sleep(faults.latency_seconds)
        before = self.plan.before()
        if before in ("reset", "hang"):
            return "reset" if before == "reset" else "hang"
        if before == "throttle":
            message = "The throttling threshold has been reached: policy user over ratelimit"
            answer = _gateway(429, THROTTLED, message, request_id)
            after = (
                () if faults.retry_after is None else (("Retry-After", str(faults.retry_after)),)
            )
            return Reply(answer, extra=after)
        if isinstance(before, int):
            code, message = _SERVER_ERRORS.get(before, _INTERNAL_ERROR)
            if code.startswith("APIGW"):
                return Reply(_gateway(before, code, message, request_id))
            return Reply(error(before, code, message))
        route = ROUTE.fullmatch(received.path)
        if route is None:
            message = "The API does not exist or has not been published in the environment"
            return Reply(_gateway(404, NO_SUCH_API, message, request_id))
        project_id, instance_id = (unquote(part) for part in route.groups())
        now = datetime.now(timezone.utc)
        caller = authenticate(self.credentials, received, project_id, now)
        if isinstance(caller, Refusal):
            return Reply(_gateway(caller.status, caller.code, caller.message, request_id))
        answer = self.service.answer(
            instance_id,
            received.query,
            page_cap=faults.limit_cap,
            total_offset=self.plan.total_offset,
        )
        if answer.status != 200:
            return Reply(answer, principal=caller)
        damage = self.plan.damage()
        full_length = self.plan.faults.truncated_full_length
        return Reply(answer, damage=damage, full_length=full_length, principal=caller)
