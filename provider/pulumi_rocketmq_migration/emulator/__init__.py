"""A local, faithful DMS for RocketMQ metadata-migration endpoint, for tests and demos.

It serves ``GET /v2/{project_id}/instances/{instance_id}/metadata`` from a Scenario,
checks AK/SK signatures and tokens, records every request and injects Faults. It
shares the models and the signer with the client and nothing else.
"""

from .api import DEFAULT_LIMIT, DEFAULT_OFFSET, MAX_LIMIT
from .cli import main
from .faults import Faults
from .metadata import MetadataService, TemporaryKeys
from .process import emulator_process
from .record import RequestRecord
from .scenario import Scenario
from .server import Emulator

__all__ = [
    "DEFAULT_LIMIT",
    "DEFAULT_OFFSET",
    "MAX_LIMIT",
    "Emulator",
    "Faults",
    "MetadataService",
    "RequestRecord",
    "Scenario",
    "TemporaryKeys",
    "emulator_process",
    "main",
]
