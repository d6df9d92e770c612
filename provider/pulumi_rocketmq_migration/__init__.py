"""A read-only Pulumi data source for Huawei Cloud DMS for RocketMQ metadata migration tasks."""

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
    "MigrationTaskError",
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
]
