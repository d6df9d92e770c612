"""The CLI's exit codes, so that a pipeline can tell a verdict from trouble.

    0  found; for wait, the task reached a --for status
    1  the task reached a --fail-on status
    2  usage: a bad option or value, missing credentials or settings, or a request the
       service refused as invalid (HTTP 400)
    3  timed out waiting
    4  no such task or instance
    5  authentication or permission refused
    6  the service is unavailable or throttled after the retries (connection failures,
       5xx, 429 and a body broken off or not JSON are retried), or its answer is not
       the documented response
   70  internal error: a bug; the line names the exception (please report it)
  130  interrupted (Ctrl-C)
  141  stdout was closed before everything was written (``| head``)

For exit codes 1 and 3, stdout still carries the task as last read.
"""

from __future__ import annotations

from ..errors import (
    AuthError,
    InvalidRequest,
    MigrationTaskError,
    NotFound,
    ServiceError,
    TaskFailed,
    Throttled,
    WaitTimeout,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TIMEOUT = 3
EXIT_NOT_FOUND = 4
EXIT_AUTH = 5
EXIT_UNAVAILABLE = 6
EXIT_INTERNAL = 70  # EX_SOFTWARE: never 1, which a pipeline reads as "the task failed"
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell shows for a writer whose reader left


def exit_code(exc: MigrationTaskError) -> int:
    """The documented exit code for an error this package raises."""
    if isinstance(exc, TaskFailed):
        return EXIT_FAILED
    if isinstance(exc, InvalidRequest):
        return EXIT_USAGE
    if isinstance(exc, WaitTimeout):
        return EXIT_TIMEOUT
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, AuthError):
        return EXIT_AUTH
    if (
        isinstance(exc, ServiceError)
        and not isinstance(exc, Throttled)
        and exc.status is not None
        and 400 <= exc.status < 500
    ):
        return EXIT_USAGE  # the service refused the request as given
    # ServiceUnavailable, Throttled, InvalidResponse: the service is not usable right now.
    return EXIT_UNAVAILABLE
