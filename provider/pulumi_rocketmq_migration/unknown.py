"""A value the engine does not know yet: a preview's output of a resource not yet created.

Both faces meet it: the Python lookups see a ``pulumi.Output``, the plugin a wire sentinel;
each turns it into ``UNKNOWN`` before the core checks inputs (reads.check_inputs).
"""

from __future__ import annotations

from typing import Any


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
