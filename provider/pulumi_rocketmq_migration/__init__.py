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

# Where each lazily loaded name lives: the lookups, and the invoke-style functions.
_LAZY_NAMES = {
    "MigrationTask": "lookup",
    "MigrationTasks": "lookup",
    "MigrationTaskResult": "functions",
    "MigrationTasksResult": "functions",
    "get_migration_task": "functions",
    "get_migration_task_output": "functions",
    "get_migration_tasks": "functions",
    "get_migration_tasks_output": "functions",
}

if TYPE_CHECKING:
    from .functions import (
        MigrationTaskResult,
        MigrationTasksResult,
        get_migration_task,
        get_migration_task_output,
        get_migration_tasks,
        get_migration_tasks_output,
    )
    from .lookup import MigrationTask, MigrationTasks


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
