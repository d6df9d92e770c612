"""What may be sent as an id, a name or a header value; checked once, before sending.

Ids and names are percent-encoded where they go (the URL path for the project and
instance ids, the query for a task id and a vhost name), so most characters are safe
on the wire. What is refused is what encoding does not make safe, or what can only
be a mistake: an empty or blank value, ``.`` and ``..`` as an id (a path step that a
server or proxy may resolve away), control characters anywhere (they break headers
and log lines) and invisible ones (bidi overrides, zero-width characters, line
separators: they make a value read as another), and values too long for a URL.
Header values must also be printable ASCII: a header is sent as Latin-1, so anything
else would be signed one way and sent another. Errors name the field and never
repeat a header value, which may be a secret.
"""

from __future__ import annotations

import unicodedata

from .errors import InvalidRequest, shown

# Huawei ids are 32-36 characters; a vhost-exchange name is at most 2 x 255 bytes.
MAX_IDENTIFIER_LENGTH = 1024
# Unicode categories refused anywhere: control, format (bidi, zero-width), line and
# paragraph separators, surrogates.
REFUSED_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible format character",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
    "Cs": "a lone surrogate",
}


def check_name(field: str, value: object) -> str:
    """A non-blank string without control or invisible characters, short enough for a URL."""
    if not isinstance(value, str):
        raise InvalidRequest(field, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidRequest(field, "must be a non-empty string")
    if len(value) > MAX_IDENTIFIER_LENGTH:
        raise InvalidRequest(
            field, f"must be at most {MAX_IDENTIFIER_LENGTH} characters, got {len(value)}"
        )
    _refuse_invisible_characters(field, value)
    return value


def check_identifier(field: str, value: object) -> str:
    """An id (project, instance, task): a name that is not ``.`` or ``..`` either."""
    text = check_name(field, value)
    if text in (".", ".."):
        raise InvalidRequest(field, f"{shown(text)} is not an id: it is a path step")
    return text


def check_header_value(field: str, value: str) -> str:
    """Printable ASCII only; the error says where, never what (it may be a secret)."""
    for position, char in enumerate(value):
        if not " " <= char <= "~":
            raise InvalidRequest(
                field,
                f"must be printable ASCII; character {position + 1} is {_describe(char)}",
            )
    return value


def _refuse_invisible_characters(field: str, value: str) -> None:
    for position, char in enumerate(value):
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            raise InvalidRequest(
                field,
                f"must not contain control or invisible characters; character {position + 1} "
                f"is {_describe(char)}",
            )


def _describe(char: str) -> str:
    kind = REFUSED_CATEGORIES.get(unicodedata.category(char), "not ASCII")
    return f"U+{ord(char):04X} ({kind})"
