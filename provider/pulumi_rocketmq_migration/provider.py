"""The dynamic provider: the engine's Read step for the Python lookups, over the core (reads.py).

It runs in the provider process the engine starts (``python -m pulumi.dynamic``).
It captures nothing when pickled: credentials come from the chain (credentials/chain.py)
in this process, reading the stack config ``configure`` was handed (keys arrive there
as secrets), the environment, the credentials files or the ECS metadata service, and
they stay in this process.

The engine calls Read three ways, and the props tell them apart:

- in a preview or an update, props are the inputs the program registered, with the
  internal ``__lookup``, ``__preview`` and ``__urn`` (a ``__`` name is one the engine's
  display leaves out, so a diff shows only what the program gave);
- in a refresh, props are the last outputs, which carry the program's inputs under
  ``__inputs``: the refresh re-reads with exactly those, as a preview does (it never waits).

A domain failure (task failed, not found, timeout, refused credentials) does not
raise in a preview or an update, because the engine would show a Python traceback;
the read returns the failure in the ``error`` output instead, and the lookup in the
program turns it into a clean RunError that names the resource. A refresh has no
program to do that, so there it raises ``RefreshFailed``, whose last line names the
lookup and the cause; the refresh then fails instead of storing the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import ConfigureRequest, ReadResult, ResourceProvider

from .engine_log import EngineLog
from .errors import MigrationTaskError
from .reads import CONNECTION_INPUTS, Reader, inputs_from_outputs, lookup_policy
from .setting_places import ALL_CONFIG_KEYS
from .settings import CONFIG_NAMESPACE
from .terminal import printable

__all__ = ["CONNECTION_INPUTS", "PROVIDER", "MigrationTaskProvider", "lookup_policy"]

# The internal inputs a lookup registers beside the program's own (lookup.py).
LOOKUP_KEY, PREVIEW_KEY, URN_KEY = "__lookup", "__preview", "__urn"
# The output that keeps the program's inputs for a refresh.
INPUTS_KEY = "__inputs"


class RefreshFailed(Exception):
    """A refresh could not read a lookup: the message names it and the cause."""


class MigrationTaskProvider(ResourceProvider):
    """Reads migration tasks; never creates, updates or deletes anything.

    Stacks hold this class pickled by reference, so its module path and name are
    part of every deployed stack: keep them, and keep ``__setstate__`` accepting
    any state.
    """

    # Nothing secret is ever captured, so the pickled provider need not be a secret.
    serialize_as_secret_always = False

    def __init__(self) -> None:
        super().__init__()
        self._reader = Reader()

    def __getstate__(self) -> dict[str, Any]:
        # Pickle nothing: no config, no clients, no credentials.
        return {}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]

    @property
    def _clients(self) -> dict[Any, Any]:
        return self._reader._clients

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the ``huaweicloud:`` keys the lookups' provider resource was handed.

        Secret ones arrive here in clear (the engine unwraps them for this process);
        they are kept in memory only, never pickled, returned or logged.
        """
        found = {
            f"{CONFIG_NAMESPACE}:{k}": req.config.get(f"{CONFIG_NAMESPACE}:{k}")
            for k in ALL_CONFIG_KEYS
        }
        self._reader = Reader({k: str(v) for k, v in found.items() if v is not None})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        refresh = INPUTS_KEY in props or LOOKUP_KEY not in props
        given, lookup = _given(props) if refresh else _program_inputs(props)
        urn = props.get(URN_KEY)
        internal = {LOOKUP_KEY: lookup, URN_KEY: urn, INPUTS_KEY: given}
        try:
            outputs = self._reader.read(
                lookup, given, preview=refresh or bool(props.get(PREVIEW_KEY)), log=EngineLog(urn)
            )
            outputs["error"] = None
        except MigrationTaskError as exc:
            if refresh:
                kind = "MigrationTasks" if lookup == "tasks" else "MigrationTask"
                raise RefreshFailed(f"{kind} {_name(urn)!r}: {exc}") from None
            # It becomes a RunError the engine prints: service text made inert (terminal.py).
            outputs = {"error": printable(str(exc))}
        return ReadResult(id_, {**given, **outputs, **internal})


def _program_inputs(props: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The inputs the program registered, without the internal ones and the output slots."""
    given = {k: v for k, v in props.items() if not k.startswith("_") and v is not None}
    return given, str(props.get(LOOKUP_KEY))


def _given(props: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """A refresh's inputs: those the last read kept, or, for a lookup read before they were
    kept (0.1.0), its outputs taken as inputs, the id winning over the name."""
    kept = props.get(INPUTS_KEY)
    if isinstance(kept, Mapping):
        return dict(kept), str(props.get(LOOKUP_KEY))
    lookup = "tasks" if "total" in props else "task"
    return inputs_from_outputs(lookup, props), lookup


def _name(urn: Any) -> str:
    return urn.rpartition("::")[2] if isinstance(urn, str) and urn else "lookup"


PROVIDER = MigrationTaskProvider()
