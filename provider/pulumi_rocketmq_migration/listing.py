"""How a listing is read: every task of an instance, nothing lost, nothing twice, never endless.

The client sends one request; this module decides which pages to ask for, how many at
once, and when the listing is complete.

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

A 429 halves the requests allowed in flight and pauses new ones until Retry-After
has passed; answered pages win them back (``pace.py``). A page still throttled after
the client's retries is asked again, within the deadline.

Sharing one listing between the callers of a process, and resolving a task's name to
its id, are ``sharing.py``'s concern.
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

from .client import on_throttle
from .errors import InvalidRequest, ServiceUnavailable, Throttled
from .models import MetadataTask, TaskPage
from .pace import Pace
from .setting_places import SOURCES, config_places
from .settings import CONFIG_NAMESPACE, Settings

DEFAULT_CONCURRENCY = 8
MAX_CONCURRENCY = 32
# A whole listing; each request is also bounded by the client's per-call deadline.
LISTING_DEADLINE = 600.0
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
        self.pace = Pace(concurrency, clock)
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


__all__ = [
    "DEFAULT_CONCURRENCY",
    "MAX_CONCURRENCY",
    "Listing",
    "ListingPolicy",
    "read_listing",
    "read_tasks",
]
