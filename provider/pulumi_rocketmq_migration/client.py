"""The HTTP client of ``GET /v2/{project_id}/instances/{instance_id}/metadata``.

It knows nothing of Pulumi. It checks a request before sending it, signs it,
sends it through one pooled ``requests.Session`` whose retries are urllib3's
``Retry`` (429, 5xx and broken connections; Retry-After honoured; bounded by
``max_retries`` and an overall deadline), and turns every answer into a model
or a typed error. It only ever sends GET.
"""

from __future__ import annotations

import json
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, cast
from urllib.parse import quote, urlsplit

import attrs
import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import InsecureRequestWarning, MaxRetryError
from urllib3.util.retry import Retry

from . import signer
from .errors import (
    AuthError,
    InvalidRequest,
    InvalidResponse,
    NotFound,
    ServiceError,
    ServiceUnavailable,
    Throttled,
)
from .models import METADATA_KINDS, MetadataKind, MetadataTask, TaskDetail, TaskPage
from .settings import Settings

# The page leaves the largest page size undocumented; 50 is the DMS APIs' usual cap.
MAX_PAGE_SIZE = 50
TASK_NOT_FOUND_CODE = "DMS.00405011"
REQUEST_ID_HEADERS = ("X-Request-Id", "X-Openstack-Request-Id")
USER_AGENT = "pulumi-rocketmq-migration"


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
        query.append(("id", _identifier("id", task_id)))
    if kind is not None:
        if kind not in METADATA_KINDS:
            raise InvalidRequest("type", f"{kind!r} is not one of {', '.join(METADATA_KINDS)}")
        if task_id is None:
            raise InvalidRequest("type", "needs id: it selects the metadata of one task")
        query.append(("type", kind))
    if vhost is not None:
        if kind is None:
            raise InvalidRequest("name", "needs type (exchange or queue): it is a vhost name")
        if not vhost and kind in (MetadataKind.EXCHANGE.value, MetadataKind.QUEUE.value):
            raise InvalidRequest("name", f"must not be empty when type is {kind}")
        if kind == MetadataKind.QUEUE.value and "-" not in vhost:
            raise InvalidRequest(
                "name", "for type queue it is vhost-exchange, e.g. vhost1-exchange1"
            )
        query.append(("name", vhost))
    elif kind in (MetadataKind.EXCHANGE.value, MetadataKind.QUEUE.value):
        hint = "the vhost" if kind == MetadataKind.EXCHANGE.value else "vhost-exchange"
        raise InvalidRequest("name", f"required when type is {kind}: {hint}")
    if page is not None:
        query.append(("offset", str(_positive("offset", page, None))))
    if page_size is not None:
        query.append(("limit", str(_positive("limit", page_size, MAX_PAGE_SIZE))))
    return query


def check_one_task(task_id: object, name: object) -> None:
    """A task is asked for by exactly one of its id and its name."""
    if (task_id is None) == (name is None):
        raise InvalidRequest("task_id", "give exactly one of task_id and name")


def _identifier(field: str, value: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(field, "must be a non-empty string")
    return value


def _positive(field: str, value: int, largest: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidRequest(field, f"must be a whole number from 1, got {value!r}")
    if largest is not None and value > largest:
        raise InvalidRequest(field, f"must be at most {largest}, got {value}")
    return value


# The deadline of the call running in this thread; requests and urllib3 retry
# synchronously in the caller's thread, so one shared Retry can read it here.
_call = threading.local()


def on_throttle(listener: Callable[[float], None] | None) -> None:
    """Tell ``listener`` of every 429 this thread's requests get, with the wait before
    the retry (Retry-After, or the backoff): how a listing learns to slow down."""
    _call.on_throttle = listener


class _DeadlineRetry(Retry):
    """urllib3's Retry, plus the overall deadline of the current call: never sleep past it."""

    def increment(self, *args: Any, **kwargs: Any) -> _DeadlineRetry:
        retry = super().increment(*args, **kwargs)
        response = kwargs.get("response")
        wait = (
            retry.get_retry_after(response) if response is not None else None
        ) or retry.get_backoff_time()
        listener = getattr(_call, "on_throttle", None)
        if listener is not None and response is not None and response.status == 429:
            listener(wait)
        deadline: float | None = getattr(_call, "deadline", None)
        if deadline is not None and time.monotonic() + wait > deadline:
            # Returns the last response to the caller (raise_on_status is off),
            # or surfaces the connection error.
            pool = cast(ConnectionPool, kwargs.get("_pool"))
            raise MaxRetryError(pool, kwargs.get("url") or "", kwargs.get("error"))
        return retry


@attrs.frozen
class RetryPolicy:
    """How hard to try: retry count, backoff and the overall deadline per call."""

    max_retries: int = 4
    backoff_factor: float = 0.5
    backoff_jitter: float = 0.25
    backoff_max: float = 10.0
    deadline: float = 120.0

    def to_retry(self) -> Retry:
        return _DeadlineRetry(
            total=self.max_retries,
            connect=self.max_retries,
            read=self.max_retries,
            status=self.max_retries,
            other=0,
            redirect=0,
            allowed_methods=frozenset({"GET"}),
            status_forcelist=frozenset({429, 500, 502, 503, 504}),
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_jitter,
            backoff_max=self.backoff_max,
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
        )


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
        self._session = requests.Session()
        # Never netrc (it would replace the signature): the proxy comes from settings,
        # which read HTTPS_PROXY / HTTP_PROXY / NO_PROXY as requests would.
        self._session.trust_env = False
        if settings.proxy:
            self._session.proxies = {"http": settings.proxy, "https": settings.proxy}
        # Room for a listing's 32 pages in flight and the provider's four reads beside it.
        adapter = HTTPAdapter(
            pool_connections=1, pool_maxsize=40, max_retries=self.retry.to_retry()
        )
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.verify = False if settings.insecure else (settings.ca_bundle or True)
        if settings.insecure:
            # The caller says it once (settings.insecure_warning), not urllib3 per request.
            warnings.filterwarnings("ignore", category=InsecureRequestWarning)
        self.requests_sent = 0

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

    # The listing rules live in listing.py; these keep the client's old entry points.

    def iter_tasks(self, instance_id: str) -> Iterator[MetadataTask]:
        """Every task of an instance (``listing.read_tasks``)."""
        from .listing import read_tasks

        return iter(read_tasks(self, instance_id))

    def list_tasks(self, instance_id: str) -> TaskPage:
        """Every task of an instance in one value: total is the count actually read."""
        tasks = tuple(self.iter_tasks(instance_id))
        return TaskPage(total=len(tasks), tasks=tasks)

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
            raise NotFound(
                f"migration task {task_id} not found in instance {instance_id}", status=200
            )
        return detail

    def find_by_name(self, instance_id: str, name: str) -> MetadataTask:
        """The newest task of that name (``listing.Listings.find_by_name``)."""
        from .listing import SHARED

        return SHARED.find_by_name(self, instance_id, name)

    def task_id_for(self, instance_id: str, task_id: str | None, name: str | None) -> str:
        """The task asked for by id, or by name (the newest of that name)."""
        from .listing import SHARED

        return SHARED.task_id_for(self, instance_id, task_id, name)

    # -- one request -------------------------------------------------------

    def _path(self, instance_id: str) -> str:
        return (
            f"{self._base_path}/v2/{quote(self.settings.project_id, safe='')}"
            f"/instances/{quote(_identifier('instance_id', instance_id), safe='')}/metadata"
        )

    def _headers(self, path: str, query: Sequence[tuple[str, str]]) -> dict[str, str]:
        credentials = self.settings.credentials.current()  # temporary ones may refresh
        headers = {
            "Host": self._host,
            "X-Project-Id": self.settings.project_id,
            "User-Agent": USER_AGENT,
        }
        if credentials.access_key and credentials.secret_key:
            if credentials.security_token:
                headers["X-Security-Token"] = credentials.security_token
            date = signer.sdk_date(datetime.now(timezone.utc))
            return signer.sign(
                "GET",
                path,
                query,
                headers,
                b"",
                credentials.access_key,
                credentials.secret_key,
                date,
            )
        assert credentials.auth_token, "settings.resolve guarantees one kind of credentials"
        headers["X-Auth-Token"] = credentials.auth_token
        return headers

    def _get(self, instance_id: str, query: Sequence[tuple[str, str]]) -> Any:
        path = self._path(instance_id)
        url = f"{self.settings.endpoint.split('://')[0]}://{self._host}{path}"
        if query:
            url += "?" + signer.encode_query(query)
        what = f"instance {instance_id}"
        self.requests_sent += 1
        _call.deadline = time.monotonic() + self.retry.deadline
        try:
            response = self._send(url, path, query)
            content = response.content  # read here: a broken body is a transport failure
        except requests.exceptions.SSLError as exc:
            raise ServiceUnavailable(tls_problem(self._host, exc)) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            raise ServiceUnavailable(
                f"no answer from {self._host} for {what} after retries: {type(exc).__name__}"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise ServiceUnavailable(f"request for {what} failed: {type(exc).__name__}") from None
        request_id = next(
            (response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None
        )
        if response.status_code != 200:
            raise error_for(response.status_code, content, request_id, what)
        try:
            return json.loads(content)
        except ValueError as exc:
            raise InvalidResponse("body", f"not valid JSON ({exc})", request_id) from None

    def _send(self, url: str, path: str, query: Sequence[tuple[str, str]]) -> requests.Response:
        request = requests.Request("GET", url, headers=self._headers(path, query))
        prepared = self._session.prepare_request(request)
        prepared.url = url  # keep our encoding: it is what was signed
        read_timeout = min(self.settings.read_timeout, self.retry.deadline)
        return self._session.send(
            prepared,
            timeout=(self.settings.connect_timeout, read_timeout),
            allow_redirects=False,
        )


def tls_problem(host: str, exc: Exception) -> str:
    """One line for a TLS failure; an untrusted certificate says how to trust it."""
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        reason = text.split("certificate verify failed:")[-1].split("(_ssl")[0].strip(" ')\"")
        return (
            f"TLS: the certificate of {host} is not trusted ({reason or 'verify failed'}); "
            "set huaweicloud:cacertFile or HW_CACERT_FILE to the CA that signed it"
        )
    return f"TLS failed talking to {host}: {type(exc).__name__}"


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
