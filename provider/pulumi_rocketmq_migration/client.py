"""The HTTP client of ``GET /v2/{project_id}/instances/{instance_id}/metadata``.

It knows nothing of Pulumi. It checks a request before sending it, signs it,
sends it through one pooled ``requests.Session``, retries what is worth retrying
(see ``RetryPolicy``) and turns every answer into a model or a typed error. It
only ever sends GET.

A call's deadline is a hard bound on the wall clock: every attempt's connect and
read timeouts are cut to the time left, a pause that would end past the deadline
is not taken, and an enclosing bound (a wait's timeout, see ``limits``) tightens
it further. urllib3's own retry loop cannot do this (its timeouts are fixed for
all attempts, and a body that breaks after the headers is past its reach), so the
loop is here, driven by one declarative ``RetryPolicy``.
"""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import attrs
import requests
from urllib3.exceptions import InsecureRequestWarning

from . import limits, signer, transport
from .credentials.keys import Credentials, check_printable
from .errors import (
    InvalidRequest,
    InvalidResponse,
    NotFound,
    ServiceError,
    ServiceUnavailable,
    error_for,
    shown,
)
from .identifiers import check_header_value, check_identifier, check_name
from .models import METADATA_KINDS, MetadataKind, TaskDetail, TaskPage
from .settings import Settings
from .transport import tls_problem

__all__ = ["MigrationClient", "RetryPolicy", "error_for", "metadata_query", "tls_problem"]

# The page leaves the largest page size undocumented; 50 is the DMS APIs' usual cap.
MAX_PAGE_SIZE = 50
# A page number past a signed 32-bit integer is refused rather than sent.
MAX_PAGE = 2**31 - 1
USER_AGENT = "pulumi-rocketmq-migration"
CUT_OFF = "cut off at the deadline"


def metadata_query(
    *,
    task_id: str | None = None,
    kind: str | None = None,
    vhost: str | None = None,
    page: int | None = None,
    page_size: int | None = None,
) -> list[tuple[str, str]]:
    """The documented query parameters, checked; an InvalidRequest names the bad one.

    ``kind`` is the API's ``type`` (which migrated metadata of one task to show) and
    ``vhost`` its ``name`` (a vhost, or ``vhost-exchange`` for queues): neither is a
    task's own type or name.
    """
    query: list[tuple[str, str]] = []
    if task_id is not None:
        query.append(("id", check_identifier("id", task_id)))
    if kind is not None:
        if kind not in METADATA_KINDS:
            raise InvalidRequest("type", f"{shown(kind)} is not one of {', '.join(METADATA_KINDS)}")
        if task_id is None:
            raise InvalidRequest("type", "needs id: it selects the metadata of one task")
        query.append(("type", kind))
    if vhost is not None:
        if kind is None:
            raise InvalidRequest("name", "needs type (exchange or queue): it is a vhost name")
        if not isinstance(vhost, str):
            raise InvalidRequest("name", f"must be a string, got {type(vhost).__name__}")
        if not vhost and kind in (MetadataKind.EXCHANGE.value, MetadataKind.QUEUE.value):
            raise InvalidRequest("name", f"must not be empty when type is {kind}")
        if vhost:
            check_name("name", vhost)
        if kind == MetadataKind.QUEUE.value and "-" not in vhost:
            raise InvalidRequest(
                "name", "for type queue it is vhost-exchange, e.g. vhost1-exchange1"
            )
        query.append(("name", vhost))
    elif kind in (MetadataKind.EXCHANGE.value, MetadataKind.QUEUE.value):
        hint = "the vhost" if kind == MetadataKind.EXCHANGE.value else "vhost-exchange"
        raise InvalidRequest("name", f"required when type is {kind}: {hint}")
    if page is not None:
        query.append(("offset", str(_positive("offset", page, MAX_PAGE))))
    if page_size is not None:
        query.append(("limit", str(_positive("limit", page_size, MAX_PAGE_SIZE))))
    return query


def check_one_task(task_id: object, name: object) -> None:
    """A task is asked for by exactly one of its id and its name."""
    if (task_id is None) == (name is None):
        raise InvalidRequest("task_id", "give exactly one of task_id and name")


def _positive(field: str, value: int, largest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest(field, f"must be a whole number from 1, got {shown(value)}")
    if value > largest:
        raise InvalidRequest(field, f"must be at most {largest}, got {shown(value)}")
    return value


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header's wait (seconds or an HTTP date), or None when absent or bad."""
    if value is None:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - datetime.now(timezone.utc)).total_seconds())


# What a listing running in this thread wants to hear of (see ``on_throttle``).
_call = threading.local()


def on_throttle(listener: Callable[[float], None] | None) -> None:
    """Tell ``listener`` of every 429 this thread's requests get, with the wait before
    the retry (Retry-After, or the backoff): how a listing learns to slow down."""
    _call.on_throttle = listener


@attrs.frozen
class RetryPolicy:
    """How hard to try: retries, backoff between them, and the deadline of one call.

    Retried: the statuses in ``RETRIED_STATUSES`` (honouring Retry-After), a
    connection that fails or breaks before an answer, a body that breaks off, and a
    200 whose body is not JSON (a proxy's error page, a cut answer). A JSON answer
    of the wrong shape is not retried: asking again gets the same answer.
    """

    RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})

    max_retries: int = limits.DEFAULT_MAX_RETRIES
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.25
    backoff_max: float = 10.0
    deadline: float = limits.DEFAULT_DEADLINE

    def pause(self, retry: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``retry`` (from 1): Retry-After, else backoff."""
        if retry_after is not None:
            return retry_after
        backoff = self.backoff_factor * 2.0 ** (retry - 1) + random.uniform(0, self.backoff_jitter)
        return min(self.backoff_max, backoff)


@attrs.frozen
class _Attempt:
    """What one attempt brought: an answer with its whole body, or why there was none."""

    response: requests.Response | None
    failure: str | None = None  # set when the attempt must be retried
    body_broke: bool = False  # the status line came, the body did not


class MigrationClient:
    """Reads one project's migration tasks. One session per client; close it when done."""

    def __init__(
        self,
        settings: Settings,
        *,
        page_size: int = MAX_PAGE_SIZE,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.page_size = _positive("page_size", page_size, MAX_PAGE_SIZE)
        self.retry = retry or RetryPolicy(
            max_retries=settings.max_retries, deadline=settings.deadline
        )
        self._host = urlsplit(settings.endpoint).netloc
        self._base_path = urlsplit(settings.endpoint).path.rstrip("/")
        self._session = transport.new_session(
            verify=False if settings.insecure else (settings.ca_bundle or True),
            proxy=settings.proxy,
        )
        if settings.insecure:
            # The caller says it once (settings.insecure_warning), not urllib3 per request.
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        self._check_sent_values()

    def __enter__(self) -> MigrationClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._session.close()

    # -- the calls ---------------------------------------------------------

    def list_page(self, instance_id: str, page: int, page_size: int) -> TaskPage:
        """One page of an instance's tasks; ``page`` counts from 1."""
        query = metadata_query(page=page, page_size=page_size)
        return TaskPage.from_json(self._get(instance_id, query))

    def get_task(
        self,
        instance_id: str,
        task_id: str,
        *,
        kind: str | None = None,
        vhost: str | None = None,
    ) -> TaskDetail:
        """One task by id; with ``kind`` (and ``vhost``) also what it migrated."""
        query = metadata_query(task_id=task_id, kind=kind, vhost=vhost)
        detail = TaskDetail.from_json(self._get(instance_id, query), task_id)
        if detail is None:
            raise NotFound(f"migration task {task_id} not found in instance {instance_id}")
        return detail

    # -- one request -------------------------------------------------------

    def _check_sent_values(self) -> None:
        """Refuse, before anything is sent, a value that cannot go into a URL or header."""
        check_header_value("project_id", check_identifier("project_id", self.settings.project_id))
        if isinstance(self.settings.credentials, Credentials):
            # The chain checks what it finds; these may have been given directly.
            check_printable(self.settings.credentials)

    def _path(self, instance_id: str) -> str:
        return (
            f"{self._base_path}/v2/{quote(self.settings.project_id, safe='')}"
            f"/instances/{quote(check_identifier('instance_id', instance_id), safe='')}/metadata"
        )

    def _headers(self, path: str, query: Sequence[tuple[str, str]]) -> dict[str, str]:
        credentials = self.settings.credentials.current()  # temporary ones may refresh
        headers = {
            "Host": self._host,
            "X-Project-Id": self.settings.project_id,
            "User-Agent": USER_AGENT,
        }
        return credentials.authorize("GET", path, query, headers)

    def _get(self, instance_id: str, query: Sequence[tuple[str, str]]) -> Any:
        """One call: attempts and pauses until an answer, a final error or the deadline."""
        path = self._path(instance_id)
        url = f"{self.settings.endpoint.split('://')[0]}://{self._host}{path}"
        if query:
            url += "?" + signer.encode_query(query)
        what = f"instance {instance_id}"
        started = time.monotonic()
        deadline = limits.deadline_for(self.retry.deadline)
        retries = 0
        while True:
            attempt = self._attempt(url, path, query, deadline, what)
            response = attempt.response
            if attempt.failure is None and response is not None:
                if response.status_code == 200:
                    try:
                        return json.loads(response.content)
                    except ValueError as exc:
                        attempt = _Attempt(response, f"not valid JSON ({exc})")
                elif response.status_code not in self.retry.RETRIED_STATUSES:
                    raise self._error(response, what)
            # The pause before a retry, told to the listener even when none will follow:
            # a 429's Retry-After is what the server asked of every request.
            pause = self.retry.pause(
                retries + 1,
                retry_after_seconds(response.headers.get("Retry-After"))
                if response is not None
                else None,
            )
            listener = getattr(_call, "on_throttle", None)
            if listener is not None and response is not None and response.status_code == 429:
                listener(pause)
            if retries >= self.retry.max_retries or time.monotonic() + pause >= deadline:
                raise self._give_up(attempt, what, retries + 1, time.monotonic() - started)
            time.sleep(pause)
            retries += 1

    def _attempt(
        self, url: str, path: str, query: Sequence[tuple[str, str]], deadline: float, what: str
    ) -> _Attempt:
        """One signed GET, its timeouts cut to the time left; the body is read here too."""
        left = deadline - time.monotonic()
        if left <= 0:
            return _Attempt(None, CUT_OFF)
        request = requests.Request("GET", url, headers=self._headers(path, query))
        prepared = self._session.prepare_request(request)
        prepared.url = url  # keep our encoding: it is what was signed
        timeouts = (min(self.settings.connect_timeout, left), min(self.settings.read_timeout, left))
        with transport.cut_off_at(deadline) as watch:
            try:
                response = self._session.send(
                    prepared, timeout=timeouts, allow_redirects=False, stream=True
                )
            except requests.exceptions.SSLError as exc:
                raise ServiceUnavailable(tls_problem(self._host, exc)) from None
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                return _Attempt(None, _failure(exc, watch))
            except requests.exceptions.RequestException as exc:
                raise ServiceUnavailable(
                    f"request for {what} failed: {type(exc).__name__}"
                ) from None
            try:
                response.content  # noqa: B018 - read now: a broken body is a transport failure
            except requests.exceptions.RequestException as exc:
                response.close()
                return _Attempt(response, _failure(exc, watch), body_broke=True)
        if watch.expired:  # what came before the cut-off may look whole, but is not
            return _Attempt(None, CUT_OFF)
        return _Attempt(response)

    def _give_up(self, attempt: _Attempt, what: str, tries: int, spent: float) -> Exception:
        """The error for the last attempt, once no retry is left or no time for one."""
        response = attempt.response
        after = f"after {tries} attempt{'s' if tries > 1 else ''} in {spent:.1f}s"
        if response is None:
            return ServiceUnavailable(
                f"no answer from {self._host} for {what} {after}: {attempt.failure}"
            )
        if attempt.body_broke:
            return ServiceUnavailable(
                f"the answer from {self._host} for {what} broke off mid-body {after}: "
                f"{attempt.failure}",
                status=response.status_code,
                request_id=transport.request_id(response),
            )
        if attempt.failure is not None:
            return InvalidResponse(
                "body", f"{attempt.failure} {after}", transport.request_id(response)
            )
        return self._error(response, what)

    def _error(self, response: requests.Response, what: str) -> ServiceError:
        return error_for(
            response.status_code, response.content, transport.request_id(response), what
        )


def _failure(exc: Exception, watch: transport.Watch) -> str:
    """Why an attempt failed: the deadline, when it had passed, else the kind of failure."""
    if watch.expired or time.monotonic() >= watch.deadline:
        return CUT_OFF
    return type(exc).__name__
