"""Pulumi's generated gRPC modules, without the start-up cost of the Pulumi SDK's package.

``import pulumi.runtime.proto`` first runs ``pulumi/__init__``, which loads most of the SDK
(automation, mocks, the stack runtime): about 0.2 s, paid by the plugin on every start, and
the engine starts it twice per preview (once for the schema, once to serve). The generated
modules import each other relatively, so they load just as well from their own directory
under a private package name. When the SDK is already loaded (the dynamic provider's process,
a program), its own modules are used, so no proto file is registered twice.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

_PRIVATE = "_pulumi_runtime_proto"


def load(name: str) -> Any:
    """``pulumi.runtime.proto.<name>``, e.g. ``provider_pb2_grpc``."""
    if "pulumi.runtime.proto" in sys.modules:
        return importlib.import_module(f"pulumi.runtime.proto.{name}")
    if _PRIVATE not in sys.modules:
        spec = importlib.util.find_spec("pulumi")
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("the Pulumi SDK is not installed")
        directory = Path(next(iter(spec.submodule_search_locations))) / "runtime" / "proto"
        package = types.ModuleType(_PRIVATE)
        package.__path__ = [str(directory)]
        sys.modules[_PRIVATE] = package
    return importlib.import_module(f"{_PRIVATE}.{name}")
