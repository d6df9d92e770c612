"""A read-only Pulumi data source for Huawei Cloud DMS for RocketMQ metadata migration tasks.

The lookups import the Pulumi SDK, which takes about half a second; they load on
first use, so that the CLI and the client start fast.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import (
    AuthError,
    CredentialsNotFound,
    InvalidRequest,
    InvalidResponse,
    MigrationTaskError,
    NotFound,
    ServiceError,
    ServiceUnavailable,
    TaskFailed,
    Throttled,
    WaitTimeout,
)
from .models import (
    MetadataKind,
    MetadataTask,
    MigratedMetadata,
    TaskDetail,
    TaskPage,
    TaskStatus,
    TaskType,
)

__all__ = [
    "AuthError",
    "CredentialsNotFound",
    "InvalidRequest",
    "InvalidResponse",
    "MetadataKind",
    "MetadataTask",
    "MigratedMetadata",
    "MigrationTask",
    "MigrationTaskError",
    "MigrationTaskResult",
    "MigrationTasks",
    "MigrationTasksResult",
    "NotFound",
    "ServiceError",
    "ServiceUnavailable",
    "TaskDetail",
    "TaskFailed",
    "TaskPage",
    "TaskStatus",
    "TaskType",
    "Throttled",
    "WaitTimeout",
    "__version__",
    "get_migration_task",
    "get_migration_task_output",
    "get_migration_tasks",
    "get_migration_tasks_output",
]

_LOOKUP_NAMES = frozenset(
    {
        "MigrationTask",
        "MigrationTaskResult",
        "MigrationTasks",
        "MigrationTasksResult",
        "get_migration_task",
        "get_migration_task_output",
        "get_migration_tasks",
        "get_migration_tasks_output",
    }
)

if TYPE_CHECKING:
    from .lookup import (
        MigrationTask,
        MigrationTaskResult,
        MigrationTasks,
        MigrationTasksResult,
        get_migration_task,
        get_migration_task_output,
        get_migration_tasks,
        get_migration_tasks_output,
    )


def __getattr__(name: str) -> Any:
    if name in _LOOKUP_NAMES:
        from . import lookup

        return getattr(lookup, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
