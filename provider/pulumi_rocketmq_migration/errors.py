"""Every error this package raises, as one tree.

    MigrationTaskError
    ├── InvalidRequest          bad input, refused before anything is sent
    │   └── CredentialsNotFound no credentials anywhere we looked
    ├── InvalidResponse         the service answered outside the documented shape, or
    │                           with a body that is not JSON after every retry
    ├── ServiceError            the service answered with an error body
    │   ├── NotFound            no such task or instance
    │   ├── AuthError           bad signature, unknown key, expired token, no permission
    │   ├── Throttled           429 after every retry
    │   └── ServiceUnavailable  5xx or no connection after every retry
    ├── TaskFailed              a wait reached a fail-on status
    └── WaitTimeout             a wait ran out of time

Messages carry what a user can act on: HTTP status, error code, the service's
message and its request id. They never carry a key, token or signature: nothing
here is given one. An error's text (``str``) is for people and goes wherever it is
printed, by this package or by Pulumi, so what the service sent in it is made inert
(``terminal.printable``); the fields keep the raw values.

Every error pickles and unpickles to an equal one: the Pulumi engine's dynamic
provider and multiprocessing hand errors across processes that way.
"""

from __future__ import annotations

import json
from typing import Any

from .terminal import printable


def _restore(kind: type[MigrationTaskError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Rebuild an unpickled error without calling ``__init__`` (whose arguments differ)."""
    error = kind.__new__(kind, *args)
    error.args = args
    error.__dict__.update(state)
    return error


def shown(value: object, width: int = 60) -> str:
    """A user's value as an error shows it: its repr (control characters escaped), cut short."""
    try:
        text = repr(value)
    except ValueError:  # an int too large to turn into digits
        return "a number too large to show"
    return text if len(text) <= width else text[: width - 3] + "..."


class MigrationTaskError(Exception):
    """Base of every error raised by pulumi_rocketmq_migration."""

    def __str__(self) -> str:
        return printable(super().__str__())

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class InvalidRequest(MigrationTaskError, ValueError):
    """An argument is invalid; names the argument and what is allowed."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class CredentialsNotFound(InvalidRequest):
    """No credentials were found; lists every place that was looked at."""

    def __init__(self, looked_at: tuple[str, ...]) -> None:
        self.looked_at = looked_at
        super().__init__(
            "credentials",
            "no access key/secret key or IAM token found; looked at: " + ", ".join(looked_at),
        )


class InvalidResponse(MigrationTaskError):
    """The service's answer does not match the documented response; names the field."""

    def __init__(self, field: str, problem: str, request_id: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.request_id = request_id
        suffix = f" (request id {request_id})" if request_id else ""
        super().__init__(f"invalid response: {field}: {problem}{suffix}")


class ServiceError(MigrationTaskError):
    """The service answered with an error status."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        # No status means no HTTP answer: the message itself says what happened instead.
        parts = [f"HTTP {status}"] if status is not None else []
        if code:
            parts.append(code)
        if request_id:
            parts.append(f"request id {request_id}")
        super().__init__(f"{message} [{', '.join(parts)}]" if parts else message)


class NotFound(ServiceError):
    """No such task or instance (404, or 400 with DMS.00405011); no status when a listing
    simply does not contain the task asked for by name."""


class AuthError(ServiceError):
    """Authentication or permission refused (401, 403)."""


class Throttled(ServiceError):
    """Still throttled (429) after every retry."""


class ServiceUnavailable(ServiceError):
    """5xx, a broken connection or body, or the deadline passed, after every retry."""


class TaskFailed(MigrationTaskError):
    """A waited-for task reached a fail-on status."""

    def __init__(self, task_id: str, task_name: str, status: str) -> None:
        self.task_id = task_id
        self.task_name = task_name
        self.status = status
        super().__init__(f"migration task {task_name!r} ({task_id}) is {status}")


class WaitTimeout(MigrationTaskError):
    """A wait ran out of time; names the task and its last status."""

    def __init__(
        self, task_id: str, task_name: str, status: str, waited: float, target: str
    ) -> None:
        self.task_id = task_id
        self.task_name = task_name
        self.status = status
        self.waited = waited
        super().__init__(
            f"migration task {task_name!r} ({task_id}) is still {status} after "
            f"{waited:.0f}s waiting for {target}"
        )


TASK_NOT_FOUND_CODE = "DMS.00405011"


def error_for(status: int, content: bytes, request_id: str | None, what: str) -> ServiceError:
    """A Huawei error body (``error_code``, ``error_msg``) as a typed error."""
    code: str | None = None
    message = ""
    try:
        body = json.loads(content)
        if isinstance(body, dict):
            code = body.get("error_code") or body.get("code")
            message = str(body.get("error_msg") or body.get("message") or "")
    except ValueError:
        pass
    message = message or content[:200].decode("utf-8", "replace").strip() or "no error body"
    text = f"{what}: {message}"
    kind: type[ServiceError]
    if status == 404 or code == TASK_NOT_FOUND_CODE:
        kind = NotFound
    elif status in (401, 403):
        kind = AuthError
    elif status == 429:
        kind = Throttled
    elif status >= 500:
        kind = ServiceUnavailable
    else:
        kind = ServiceError
    return kind(text, status=status, code=str(code) if code else None, request_id=request_id)
