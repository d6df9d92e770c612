"""The provider plugin, ``pulumi-resource-rocketmq-migration``: the second face over the core.

Any Pulumi program (YAML, TypeScript, Go, Python) reaches the lookups through it: two
functions and two gate resources, as schema/schema.json names them. It is a thin
adapter on Pulumi's generated gRPC stubs: properties in (wire.py), the core's read
(reads.py), outputs out. Nothing here decides what a read does.

Preview or update is decided here, once, from the engine's own flag: ``preview`` on
InvokeRequest, CreateRequest and UpdateRequest (the SDK's experimental server drops
the invoke's, so this serves the stubs itself). A refresh (Read) and a Diff read as a
preview does: they never wait.

A gate's life:
- Check refuses what the schema and the core refuse, naming the property.
- Create and Update read, and in an update wait; the inputs come back with the outputs.
- Diff reads the task live: changed inputs or a changed status are an update, so every
  preview and update shows the live status, and an unchanged gate costs one read.
- Read (refresh) reads again with the inputs the program gave; it fails when it cannot.
- Delete forgets: the task is never touched.

Reads are served on a pool of threads, one per call in flight, so gates wait at once.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Mapping
from concurrent import futures
from typing import Any, NoReturn

import grpc  # type: ignore[import-untyped]
from google.protobuf import empty_pb2  # type: ignore[import-untyped]

from ._version import __version__
from .engine_log import EngineLog
from .errors import InvalidRequest, MigrationTaskError
from .package_schema import (
    FUNCTIONS,
    PACKAGE,
    RESOURCES,
    camel,
    config_variables,
    inputs_of,
    lookup_inputs,
    schema,
    served,
)
from .protos import load
from .unknown import UNKNOWN
from .wire import Values, check, decode, encode, from_core, has_unknown, in_schema_names, to_core

plugin_pb2: Any = load("plugin_pb2")
provider_pb2: Any = load("provider_pb2")
provider_pb2_grpc: Any = load("provider_pb2_grpc")

# Calls served at once: every gate of a large stack may be waiting at the same time.
WORKERS = 128


class Refused(Exception):
    """Inputs the schema or the core refuses: (property, reason) pairs."""

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        self.failures = failures


class MigrationProvider(provider_pb2_grpc.ResourceProviderServicer):  # type: ignore[misc]
    """The ResourceProvider service of the plugin."""

    def __init__(self) -> None:
        self._reader: Any = None

    @property
    def reader(self) -> Any:
        """The core's reader; unconfigured, it reads the environment and files only."""
        if self._reader is None:
            self._reader = _core().Reader(namespace=PACKAGE)
        return self._reader

    # -- the plugin and its configuration ---------------------------------------

    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=__version__)

    def GetSchema(self, request: Any, context: Any) -> Any:
        return provider_pb2.GetSchemaResponse(schema=served())

    def CheckConfig(self, request: Any, context: Any) -> Any:
        news = decode(request.news)
        variables = config_variables()
        # Stack config comes as text whatever its type (maxRetries "2", insecure "false"):
        # the settings read text and name the key when it does not parse.
        typed = {k: v for k, v in news.values.items() if k in variables and not isinstance(v, str)}
        failures = check(typed, variables, ())
        return provider_pb2.CheckResponse(
            inputs=request.news, failures=[_failure(p, r) for p, r in failures]
        )

    def DiffConfig(self, request: Any, context: Any) -> Any:
        olds, news = decode(request.olds).values, decode(request.news).values
        return _diff(_changed(olds, news))

    def Configure(self, request: Any, context: Any) -> Any:
        """Keep the configuration: the provider's inputs, else the ``variables`` map.

        Keys arrive in clear (secrets unwrapped); they stay in this process's memory.
        """
        given = decode(request.args).values
        if not given:
            prefix = f"{PACKAGE}:"
            given = {k.removeprefix(prefix): v for k, v in request.variables.items()}
        config = {
            f"{PACKAGE}:{key}": _config_text(given[key])
            for key in _core().ALL_CONFIG_KEYS
            if given.get(key) not in (None, UNKNOWN)  # the core skips an empty value itself
        }
        self._reader = _core().Reader(config, namespace=PACKAGE)
        # acceptResources stays false: a gate's properties are plain values.
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True)

    def Cancel(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    # -- functions ----------------------------------------------------------------

    def Invoke(self, request: Any, context: Any) -> Any:
        lookup = FUNCTIONS.get(request.tok)
        if lookup is None:
            _abort(
                context, grpc.StatusCode.INVALID_ARGUMENT, _unknown_token(request.tok, FUNCTIONS)
            )
        args = decode(request.args)
        try:
            inputs = _checked(request.tok, lookup, args.values)
        except Refused as refused:
            return provider_pb2.InvokeResponse(failures=[_failure(*f) for f in refused.failures])
        outputs = self._read(context, lookup, inputs, preview=request.preview, urn="")
        return provider_pb2.InvokeResponse(**{"return": encode(from_core(outputs))})

    # -- gate resources -----------------------------------------------------------

    def Check(self, request: Any, context: Any) -> Any:
        token = request.type or _token_of(request.urn)
        lookup = _resource(context, token)
        try:
            _checked(token, lookup, decode(request.news).values)
        except Refused as refused:
            return provider_pb2.CheckResponse(failures=[_failure(*f) for f in refused.failures])
        return provider_pb2.CheckResponse(inputs=request.news)

    def Diff(self, request: Any, context: Any) -> Any:
        lookup = _resource(context, request.type or _token_of(request.urn))
        news = decode(request.news).values
        olds = decode(request.olds).values
        before = (
            decode(request.old_inputs).values
            if request.HasField("old_inputs")
            else {k: olds.get(k) for k in news}
        )
        changed = _changed(before, news)
        if not changed:  # an unknown input differs from the known one before it
            live = self._gate(context, lookup, news, preview=True, urn=request.urn)
            changed = _changed({k: olds.get(k) for k in live}, live)
        return _diff(changed)

    def Create(self, request: Any, context: Any) -> Any:
        lookup = _resource(context, request.type or _token_of(request.urn))
        inputs = decode(request.properties)
        properties = self._gate(context, lookup, inputs.values, request.preview, request.urn)
        return provider_pb2.CreateResponse(
            id=_gate_id(lookup, inputs.values, properties),
            properties=encode(properties, inputs.secret),
        )

    def Update(self, request: Any, context: Any) -> Any:
        lookup = _resource(context, request.type or _token_of(request.urn))
        inputs = decode(request.news)
        properties = self._gate(context, lookup, inputs.values, request.preview, request.urn)
        return provider_pb2.UpdateResponse(properties=encode(properties, inputs.secret))

    def Read(self, request: Any, context: Any) -> Any:
        """A refresh: read again with the inputs the program gave, never waiting."""
        lookup = _resource(context, request.type or _token_of(request.urn))
        inputs = decode(request.inputs)
        if not inputs.values:  # an import, or a state without inputs: take the outputs'
            olds = decode(request.properties)
            taken = from_core(_core().inputs_from_outputs(lookup, to_core(olds.values)))
            inputs = Values(taken, olds.secret & taken.keys())
        properties = self._gate(context, lookup, inputs.values, True, request.urn)
        return provider_pb2.ReadResponse(
            id=request.id,
            properties=encode(properties, inputs.secret),
            inputs=encode(inputs.values, inputs.secret),
        )

    def Delete(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()

    # -- the core, once -----------------------------------------------------------

    def _gate(
        self, context: Any, lookup: str, given: Mapping[str, Any], preview: bool, urn: str
    ) -> dict[str, Any]:
        """A gate's properties: its inputs, then what the read found (unknown while an
        input is unknown)."""
        token = next(t for t, kind in RESOURCES.items() if kind == lookup)
        try:
            inputs = _checked(token, lookup, given)
        except Refused as refused:
            _abort(context, grpc.StatusCode.INVALID_ARGUMENT, _refusal(refused))
        if has_unknown(dict(given)):
            outputs = {name: UNKNOWN for name in _output_names(token)}
            return {**outputs, **given}
        found = from_core(self._read(context, lookup, inputs, preview=preview, urn=urn))
        return {**given, **found}

    def _read(
        self, context: Any, lookup: str, inputs: dict[str, Any], preview: bool, urn: str
    ) -> dict[str, Any]:
        log = EngineLog(urn)
        try:
            outputs = self.reader.read(lookup, inputs, preview=preview, log=log)
        except MigrationTaskError as exc:
            names = lookup_inputs(lookup)
            _abort(context, grpc.StatusCode.UNKNOWN, in_schema_names(str(exc), names))
        policy = _core().lookup_policy(inputs)
        notice = _core().waiting_notice(lookup, policy, outputs) if policy and preview else None
        if notice:
            log.warn(notice)
        return dict(outputs)


def _core() -> Any:
    """The core, imported on first use: it brings requests and the client (about 0.1 s),
    which a plugin started only for its schema never needs."""
    from . import reads

    return reads


def _checked(token: str, lookup: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """The core's inputs, once the schema and the core's own rules allow them."""
    properties, required = inputs_of(token)
    failures = check(given, properties, required)
    if failures:
        raise Refused(failures)
    inputs = to_core({k: v for k, v in given.items() if v is not None})
    try:
        _core().check_inputs(lookup, inputs)
    except InvalidRequest as exc:  # the only error of a check that sends nothing
        names = lookup_inputs(lookup)
        raise Refused([(camel(exc.field), in_schema_names(exc.problem, names))]) from None
    return inputs


def _output_names(token: str) -> list[str]:
    return list(schema()["resources"][token]["properties"])


def _changed(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in olds.keys() | news.keys() if olds.get(k) != news.get(k))


def _diff(changed: list[str]) -> Any:
    some, none = provider_pb2.DiffResponse.DIFF_SOME, provider_pb2.DiffResponse.DIFF_NONE
    return provider_pb2.DiffResponse(changes=some if changed else none, diffs=changed)


def _gate_id(lookup: str, given: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
    """What the gate reads: the task (by the id the read found), or the instance and the
    program's filters; unknown ("") while any part of it is."""
    instance = given.get("instanceId")
    if lookup == "task":
        parts = [instance, properties.get("taskId")]
        return "" if UNKNOWN in parts else f"{parts[0]}/{parts[1]}"
    filters = [
        (key, given[name])
        for key, name in (("type", "taskType"), ("name", "name"), ("status", "status"))
        if given.get(name)
    ]
    if UNKNOWN in [instance, *(value for _, value in filters)]:
        return ""
    selection = ",".join(f"{key}={value}" for key, value in filters)
    return f"{instance}/tasks" + (f"?{selection}" if selection else "")


def _resource(context: Any, token: str) -> str:
    lookup = RESOURCES.get(token)
    if lookup is None:
        _abort(context, grpc.StatusCode.INVALID_ARGUMENT, _unknown_token(token, RESOURCES))
    return lookup


def _token_of(urn: str) -> str:
    """The type token of a URN: ``urn:pulumi:stack::project::type::name``."""
    parts = urn.split("::")
    return parts[2].rpartition("$")[2] if len(parts) > 3 else ""


def _unknown_token(token: str, known: Mapping[str, str]) -> str:
    return f"{token!r} is not part of {PACKAGE}; it has {', '.join(sorted(known))}"


def _abort(context: Any, code: Any, message: str) -> NoReturn:
    """End the call with a gRPC error the engine shows as it is: one clean line."""
    context.abort(code, message)
    raise AssertionError  # not reached (context.abort raises); tells mypy the call ends


def _failure(prop: str, reason: str) -> Any:
    return provider_pb2.CheckFailure(property=prop, reason=reason)


def _refusal(refused: Refused) -> str:
    return "; ".join(f"{prop}: {reason}" for prop, reason in refused.failures)


def _config_text(value: Any) -> str:
    """A configuration value as stack config holds it: text (booleans as true/false,
    an object such as assumeRole as JSON)."""
    if isinstance(value, (bool, dict, list)):
        return json.dumps(value)
    return str(value)


# Not mutated: it runs only in the plugin's own process, which
# test_it_prints_nothing_before_its_port_and_ends_with_the_engine starts and kills.
def _exit_with_the_engine(parent: int) -> None:  # pragma: no mutate block
    """End this process when the engine that started it is gone, even if it was killed."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def serve() -> tuple[Any, int]:
    """Start the provider's gRPC server on a loopback port: the plugin, minus its process."""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="rpc"),
        options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)],
    )
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(MigrationProvider(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


# Not mutated: the plugin's process only, tested as a process (as above).
def main() -> None:  # pragma: no mutate block
    """Serve the provider and print its port, the engine's first line from a plugin."""
    parent = os.getppid()
    server, port = serve()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    threading.Thread(target=_exit_with_the_engine, args=(parent,), daemon=True).start()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)


if __name__ == "__main__":
    main()
