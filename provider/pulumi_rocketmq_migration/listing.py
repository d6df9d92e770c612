"""How a listing is read: every task of an instance, nothing lost, nothing twice, never endless.

The client sends one request; this module decides which pages to ask for, how many at
once, when the listing is complete, and when two lookups can share one listing.

The rules, applied to the pages in page order whatever order they arrive in
(``offset`` is a page number from 1, ``limit`` a page size; page p of size s holds
the tasks (p-1)*s .. p*s):

1. An empty page ends the listing, and so does a full page (as many tasks as asked)
   that brings no task not already read. These are the only ends that ``total``
   cannot fool: ``total`` is a hint, used to plan which pages to fetch at once,
   never to decide that the listing is complete.
2. A full page with new tasks never ends a listing: the next page is read.
3. A short first page is a silent cap or the whole instance; they look alike. The
   page size drops to what was served and page 2 is read: empty means the end.
4. A short later page of tasks all new is the tail: under a cap it would have
   repeated tasks already read, since a smaller page size starts page p earlier.
5. A short later page that repeats tasks, some or all, means a cap appeared late (or
   the list moved). What was served is the cap; the page size drops to the largest
   size up to the cap at which a page starts exactly where reading stopped (page p of
   size s starts at task (p-1)*s), and reading goes on. After each full page the size
   grows back to the largest such size, up to the cap.
6. Never endless: every page ends the listing, brings a new task or makes the page
   size strictly smaller (rule 5); each request is bounded by the client's per-call
   deadline, and the listing as a whole by its own (``ListingPolicy.deadline``). A
   drifting ``total`` cannot make it loop, and a server that invents tasks forever
   meets the deadline.

Concurrency: page 1 is read alone (it reveals ``total`` and any cap); then the pages
``total`` promises are fetched with up to ``concurrency`` requests in flight, plus one
more page when ``total`` is a multiple of the page size (a full last page proves
nothing), never more than 2 x ``concurrency`` pages ahead of the page the rules need
next. When the pages run past the promise (a short ``total``), reading goes on that
far ahead until rule 1 or 4 ends it. A page size change (rules 3
and 5) drops every page planned at the old size. So the result is the sequential
read's, task for task and in the same order; an honest ``total`` costs
ceil(N / page) requests, plus one when N is a multiple of the page size.

A 429 halves the requests allowed in flight (at most once per Retry-After) and
pauses new ones until Retry-After has passed; each answered page adds one back, up
to ``concurrency`` (additive increase, multiplicative decrease). A page still
throttled after the client's retries is asked again, within the deadline.

Sharing (``Listings``): one process (a provider serving four reads at once, a program
calling ``get_*``, one CLI command) reads an instance once for concurrent callers:
a caller asking while a listing of the same instance with the same settings is in
flight waits for it instead of starting another (single flight). Resolving a task's
name to its id also takes a listing finished less than ``REUSE_SECONDS`` ago, and
lists afresh when the name is not in it. A task's status is never taken from a
shared listing: ``MigrationTask`` reads it with a detail request, and every poll of
a wait lists afresh.
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs

from .client import check_one_task, on_throttle
from .errors import InvalidRequest, NotFound, ServiceUnavailable, Throttled
from .models import MetadataTask, TaskPage
from .setting_places import SOURCES, config_places
from .settings import CONFIG_NAMESPACE, Settings

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 32
# A whole listing; each request is also bounded by the client's per-call deadline.
LISTING_DEADLINE = 600.0
# How long a finished listing may answer a name -> id resolution.
REUSE_SECONDS = 5.0
# How long every request waits after a page was still throttled after its retries.
THROTTLED_PAUSE = 1.0


class PageSource(Protocol):
    """What a listing needs of a client: its settings, page size and one page."""

    @property
    def settings(self) -> Settings: ...

    @property
    def page_size(self) -> int: ...

    def list_page(self, instance_id: str, page: int, page_size: int) -> TaskPage: ...


def _concurrency(value: Any) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise InvalidRequest(
            "concurrency",
            f"must be a whole number from 1 (one request at a time) to {MAX_CONCURRENCY}, "
            f"got {value!r}",
        )
    return value


@attrs.frozen
class ListingPolicy:
    """How a listing is read: requests in flight at once, and its overall deadline."""

    concurrency: int = attrs.field(default=DEFAULT_CONCURRENCY, converter=_concurrency)
    deadline: float = LISTING_DEADLINE

    @classmethod
    def resolve(
        cls,
        explicit: int | str | None = None,
        config: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        namespace: str = CONFIG_NAMESPACE,
    ) -> ListingPolicy:
        """The concurrency from an option, then stack config, then the environment.

        The same order and places as every other setting (settings.py).
        """
        candidates: list[tuple[str, Any]] = [("concurrency", explicit)]
        places = config_places("concurrency", namespace)
        candidates += [(place, (config or {}).get(place)) for place in places]
        candidates += [(f"${v}", (environ or {}).get(v)) for v in SOURCES["concurrency"][1]]
        for place, value in candidates:
            if value in (None, ""):
                continue
            try:
                return cls(concurrency=value)
            except InvalidRequest as exc:  # name where the bad value came from
                raise InvalidRequest(place, exc.problem) from None
        return cls()

    def within(self, seconds: float) -> ListingPolicy:
        """This policy with its deadline cut to ``seconds`` (a wait's time left)."""
        return attrs.evolve(self, deadline=max(0.0, min(self.deadline, seconds)))


def aligned_size(read: int, most: int) -> int:
    """The largest page size up to ``most`` whose pages start right after ``read`` tasks."""
    return next(size for size in range(most, 0, -1) if read % size == 0)


class _Reading:
    """The completeness rules of the module docstring, fed pages in page order."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.cap = size
        self.page = 1
        self.tasks: list[MetadataTask] = []
        self.done = False
        self._seen: set[str] = set()

    def take(self, answer: TaskPage) -> None:
        """Page ``self.page`` of size ``self.size``; moves on to the next page to read."""
        fresh = []
        for task in answer.tasks:
            if task.id not in self._seen:
                self._seen.add(task.id)
                fresh.append(task)
        self.tasks += fresh
        served = len(answer.tasks)
        if served == 0 or (served >= self.size and not fresh):
            self.done = True  # rule 1
        elif served >= self.size:
            self._align(self.cap)  # rule 2: the next page, at the cap's size when it can
        elif self.page == 1:
            self.size = self.cap = served  # rule 3
            self.page = 2
        elif len(fresh) == served:
            self.done = True  # rule 4
        else:
            self.cap = served  # rule 5: always smaller than the size asked for
            self._align(served)

    def _align(self, most: int) -> None:
        self.size = aligned_size(len(self.tasks), most)
        self.page = len(self.tasks) // self.size + 1


def planned_pages(total: int, size: int) -> int:
    """The last page ``total`` promises at ``size``, plus one when that page would be full."""
    pages = math.ceil(total / size)
    return pages + 1 if total % size == 0 else pages


class _Pace:
    """How many requests may be in flight: AIMD on 429, with a pause for Retry-After."""

    def __init__(self, ceiling: int, clock: Callable[[], float]) -> None:
        self.ceiling = ceiling
        self.limit = ceiling
        self.clock = clock
        self.throttles = 0
        self._in_flight = 0
        self._answered = 0
        self._resume_at = 0.0
        self._calm_until = 0.0
        self._changed = threading.Condition()

    def acquire(self, stopped: threading.Event) -> bool:
        """Wait for a free slot; False once the listing is over."""
        with self._changed:
            while not stopped.is_set():
                pause = self._resume_at - self.clock()
                if pause <= 0 and self._in_flight < self.limit:
                    self._in_flight += 1
                    return True
                self._changed.wait(timeout=pause if pause > 0 else 0.5)
            return False

    def release(self, answered: bool) -> None:
        with self._changed:
            self._in_flight -= 1
            if answered:
                self._answered += 1
                if self._answered >= self.limit and self.limit < self.ceiling:
                    self.limit += 1  # additive increase: one more per window answered
                    self._answered = 0
            self._changed.notify_all()

    def throttled(self, retry_after: float) -> None:
        """A 429: no new request before Retry-After; halve the limit once per such pause."""
        with self._changed:  # an RLock: pause() below takes it again, in one step with this
            now = self.clock()
            self.throttles += 1
            if now >= self._calm_until:
                self.limit = max(1, self.limit // 2)
                self._answered = 0
                self._calm_until = now + max(retry_after, 0.05)
            self.pause(retry_after)

    def pause(self, seconds: float) -> None:
        """No new request for ``seconds``."""
        with self._changed:
            self._resume_at = max(self._resume_at, self.clock() + seconds)
            self._changed.notify_all()

    def wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


# A page wanted: (generation, page, size); None tells a worker to stop.
_Wanted = tuple[int, int, int] | None
_STOP = -1  # sorts before every page


class _Fetcher:
    """Pages asked for, fetched by daemon worker threads, kept until taken.

    Daemon threads, not an executor: a request abandoned at the deadline must not
    keep the process from exiting.
    """

    def __init__(
        self, source: PageSource, instance_id: str, concurrency: int, clock: Callable[[], float]
    ) -> None:
        self.source = source
        self.instance_id = instance_id
        self.pace = _Pace(concurrency, clock)
        self.requests = 0
        self._generation = 0
        self._order = itertools.count()
        self._queue: queue.PriorityQueue[tuple[int, int, _Wanted]] = queue.PriorityQueue()
        self._results: dict[tuple[int, int], TaskPage | BaseException] = {}
        self._ready = threading.Condition()
        self._stopped = threading.Event()
        self._workers = [
            threading.Thread(target=self._work, name=f"listing-{i}", daemon=True)
            for i in range(concurrency)
        ]
        for worker in self._workers:
            worker.start()

    def want(self, page: int, size: int) -> None:
        self._queue.put((page, next(self._order), (self._generation, page, size)))

    def new_size(self) -> None:
        """Drop every page asked for at the old size, queued or answered."""
        with self._ready:
            self._generation += 1
            self._results.clear()

    def take(self, page: int, size: int, timeout: float) -> TaskPage:
        """The answer for that page, waiting at most ``timeout``; raises its error."""
        end = time.monotonic() + timeout
        with self._ready:
            while (page, size) not in self._results:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                self._ready.wait(timeout=left)
            found = self._results.pop((page, size))
        if isinstance(found, BaseException):
            raise found
        return found

    def close(self) -> None:
        self._stopped.set()
        for _ in self._workers:
            self._queue.put((_STOP, next(self._order), None))
        self.pace.wake()

    def _work(self) -> None:
        on_throttle(self.pace.throttled)
        while True:
            _, _, wanted = self._queue.get()
            if wanted is None:
                return
            generation, page, size = wanted
            if generation != self._generation:
                continue
            if not self.pace.acquire(self._stopped):
                return
            answered = False
            with self._ready:
                self.requests += 1
            try:
                result: TaskPage | BaseException = self.source.list_page(
                    self.instance_id, page, size
                )
                answered = True
            except Throttled:
                # Still throttled after the client's retries (each 429 already reached
                # the pace through on_throttle): ask again, after a pause.
                self.pace.pause(THROTTLED_PAUSE)
                self._queue.put((page, next(self._order), wanted))
                continue
            except BaseException as exc:  # handed to the reader, who raises it
                result = exc
            finally:
                self.pace.release(answered)
            with self._ready:
                if generation == self._generation:
                    self._results[(page, size)] = result
                    self._ready.notify_all()


@attrs.frozen
class Listing:
    """Every task of an instance, in the service's order, and what reading it cost."""

    tasks: tuple[MetadataTask, ...]
    requests: int
    throttles: int = 0  # 429 answers met
    # Requests allowed in flight at the end: below the concurrency after 429s, and
    # back up by one for each window of answered pages since.
    final_concurrency: int = 1


def read_listing(
    source: PageSource,
    instance_id: str,
    policy: ListingPolicy | None = None,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> Listing:
    """Read every task of an instance by the rules of the module docstring."""
    policy = policy or ListingPolicy()
    end_by = clock() + policy.deadline
    reading = _Reading(source.page_size)
    fetcher = _Fetcher(source, instance_id, policy.concurrency, clock)
    total: int | None = None
    asked, planned_size = 0, reading.size
    try:
        while not reading.done:
            page, size = reading.page, reading.size
            if size != planned_size:
                fetcher.new_size()
                asked, planned_size = page - 1, size
            # Never more than two windows ahead of the page needed: a total that
            # promises too much cannot queue more than that. Concurrency 1 asks for
            # one page at a time, each once the one before it was read.
            window = page + (2 * policy.concurrency - 1 if policy.concurrency > 1 else 0)
            last = 1 if total is None else planned_pages(total, size)
            ahead = min(last, window) if page <= last else window
            while asked < ahead:
                asked += 1
                fetcher.want(asked, size)
            try:
                answer = fetcher.take(page, size, timeout=end_by - clock())
            except TimeoutError:
                raise ServiceUnavailable(
                    f"listing instance {instance_id}: not complete after {policy.deadline:.0f}s "
                    f"({len(reading.tasks)} tasks read)"
                ) from None
            if total is None:
                total = answer.total
            reading.take(answer)
    finally:
        fetcher.close()
    pace = fetcher.pace
    return Listing(tuple(reading.tasks), fetcher.requests, pace.throttles, pace.limit)


def read_tasks(
    source: PageSource, instance_id: str, policy: ListingPolicy | None = None
) -> tuple[MetadataTask, ...]:
    """Every task of an instance (see ``read_listing``)."""
    return read_listing(source, instance_id, policy).tasks


# -- sharing listings within one process ------------------------------------------


class _Flight:
    """One listing, in flight or finished, that several callers may share."""

    def __init__(self) -> None:
        self.finished_at: float | None = None
        self.tasks: tuple[MetadataTask, ...] = ()
        self.error: BaseException | None = None
        self.done = threading.Event()

    def result(self) -> tuple[MetadataTask, ...]:
        self.done.wait()
        if self.error is not None:
            raise self.error
        return self.tasks


class Listings:
    """Listings shared by the callers of one process: single flight, and short reuse.

    A listing is keyed by the client's settings (endpoint, project, credentials) and
    the instance. ``listings`` counts the listings actually read, for tests and
    benchmarks.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.listings = 0
        self._lock = threading.Lock()
        self._flights: dict[tuple[Settings, str, int], _Flight] = {}

    def tasks(
        self,
        source: PageSource,
        instance_id: str,
        policy: ListingPolicy | None = None,
        *,
        reuse: float = 0.0,
    ) -> tuple[MetadataTask, ...]:
        """Every task of the instance: a listing in flight is joined, and one finished
        less than ``reuse`` seconds ago is taken as it is."""
        return self._tasks(source, instance_id, policy, reuse)[0]

    def _tasks(
        self, source: PageSource, instance_id: str, policy: ListingPolicy | None, reuse: float
    ) -> tuple[tuple[MetadataTask, ...], bool]:
        """The tasks, and whether they came from a listing that had already finished."""
        key = (source.settings, instance_id, source.page_size)
        with self._lock:
            now = self.clock()
            for old, kept in list(self._flights.items()):
                if kept.finished_at is not None and now - kept.finished_at > REUSE_SECONDS:
                    del self._flights[old]
            found = self._flights.get(key)
            if found is not None and found.finished_at is None:
                joined: _Flight | None = found
            elif (
                found is not None
                and found.error is None
                and found.finished_at is not None
                and reuse > 0
                and now - found.finished_at <= reuse
            ):
                return found.tasks, True
            else:
                joined = None
                flight = self._flights[key] = _Flight()
                self.listings += 1
        if joined is not None:
            return joined.result(), False
        try:
            flight.tasks = read_tasks(source, instance_id, policy)
        except BaseException as exc:  # shared with those who joined; never reused
            flight.error = exc
            raise
        finally:
            flight.finished_at = self.clock()
            flight.done.set()
        return flight.tasks, False

    def find_by_name(
        self, source: PageSource, instance_id: str, name: str, policy: ListingPolicy | None = None
    ) -> MetadataTask:
        """The newest task of that name (task names are not unique)."""
        if not isinstance(name, str) or not name.strip():
            raise InvalidRequest("name", "must be a non-empty string")
        tasks, reused = self._tasks(source, instance_id, policy, REUSE_SECONDS)
        matches = [t for t in tasks if t.name == name]
        if not matches and reused:  # created since that listing, perhaps: look again
            matches = [t for t in self.tasks(source, instance_id, policy) if t.name == name]
        if not matches:
            raise NotFound(f"no migration task named {name!r} in instance {instance_id}")
        return max(matches, key=lambda t: t.start_date)

    def task_id_for(
        self,
        source: PageSource,
        instance_id: str,
        task_id: str | None,
        name: str | None,
        policy: ListingPolicy | None = None,
    ) -> str:
        """The task asked for by id, or by name (the newest of that name)."""
        check_one_task(task_id, name)
        if task_id is not None:
            return task_id
        return self.find_by_name(source, instance_id, str(name), policy).id


SHARED = Listings()
"""The process's listings: the provider's reads, a program's ``get_*`` calls, one CLI run."""

__all__ = [
    "DEFAULT_CONCURRENCY",
    "MAX_CONCURRENCY",
    "REUSE_SECONDS",
    "SHARED",
    "Listing",
    "ListingPolicy",
    "Listings",
    "read_listing",
    "read_tasks",
]
