"""Listings shared within one process: single flight, short reuse, and names resolved to ids.

One process (a provider serving four reads at once, a program calling ``get_*``, one
CLI command) reads an instance once for concurrent callers: a caller asking while a
listing of the same instance with the same settings is in flight waits for it
instead of starting another (single flight). Resolving a task's name to its id also
takes a listing finished less than ``REUSE_SECONDS`` ago, and lists afresh when the
name is not in it. A task's status is never taken from a shared listing:
``MigrationTask`` reads it with a detail request, and every poll of a wait lists
afresh. How each listing is read is ``listing.py``'s concern.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .client import check_one_task
from .errors import InvalidRequest, NotFound
from .listing import ListingPolicy, PageSource, read_tasks
from .models import MetadataTask
from .settings import Settings

# How long a finished listing may answer a name -> id resolution.
REUSE_SECONDS = 5.0


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

__all__ = ["REUSE_SECONDS", "SHARED", "Listings"]
