"""What may reach a terminal or a log line: text from the server, made inert.

A task name, a status or a service message is data. Printed raw, an escape sequence
in it can retitle or clear a terminal, a carriage return can overwrite a line, a
newline can forge a table row or a log line, and a bidi override can reverse what a
reader sees. Every printer passes such text through :func:`printable`; JSON output
and lookup outputs keep the raw value.
"""

from __future__ import annotations

import unicodedata
from typing import TextIO

# Unicode categories that never draw a glyph of their own and may steer a display:
# controls (C0, DEL, C1: ESC, CSI, CR, LF, BEL ...), format characters (bidi overrides
# and isolates, zero-width joiners), lone surrogates, and line and paragraph separators.
_INERT_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def printable(text: str) -> str:
    """``text`` with every character that could steer a display written as an escape.

    Ordinary letters of every script, spaces and punctuation are kept as they are, and a
    backslash is left alone (error messages already quote names with ``repr``).
    """
    if text.isprintable():  # the common case: nothing to do
        return text
    return "".join(
        # repr's spelling of one character: \n, \r, \x1b, \x9b, \u202e, \ud800.
        repr(char)[1:-1] if unicodedata.category(char) in _INERT_CATEGORIES else char
        for char in text
    )


def encodable(text: str, stream: TextIO) -> str:
    """``text`` as ``stream`` can encode it: what its encoding lacks becomes ``\\u20ac``.

    A terminal in a Latin-1 locale, or a lone surrogate in a JSON answer, must not turn
    printing a result into a crash.
    """
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: fall back to ASCII
        return text.encode("ascii", "backslashreplace").decode("ascii")
    return text
