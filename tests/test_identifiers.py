"""What may be sent as an id, a name or a header value: refusals word for word."""

from __future__ import annotations

import pytest

from pulumi_rocketmq_migration.errors import InvalidRequest
from pulumi_rocketmq_migration.identifiers import (
    MAX_IDENTIFIER_LENGTH,
    check_header_value,
    check_identifier,
    check_name,
)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "must be a string, got NoneType"),
        ("", "must be a non-empty string"),
        (" \t", "must be a non-empty string"),
        ("x" * 1025, "must be at most 1024 characters, got 1025"),
        ("ab\x00", "character 3 is U+0000 (a control character)"),
        ("a\x7f", "character 2 is U+007F (a control character)"),
        ("a\x85", "character 2 is U+0085 (a control character)"),
        ("a\u200b", "character 2 is U+200B (an invisible format character)"),
        ("a\u2028", "character 2 is U+2028 (a line separator)"),
        ("a\u2029", "character 2 is U+2029 (a paragraph separator)"),
        ("a\ud800", "character 2 is U+D800 (a lone surrogate)"),
    ],
)
def test_a_bad_name_is_refused_word_for_word(value, message):
    with pytest.raises(InvalidRequest) as caught:
        check_name("name", value)
    assert caught.value.field == "name"
    if message.startswith("character "):
        message = f"must not contain control or invisible characters; {message}"
    assert caught.value.problem == message


@pytest.mark.parametrize("value", [".", ".."])
def test_a_path_step_is_no_id_but_may_be_a_name(value):
    with pytest.raises(InvalidRequest) as caught:
        check_identifier("instance_id", value)
    assert str(caught.value) == f"instance_id: '{value}' is not an id: it is a path step"
    assert check_name("name", value) == value


@pytest.mark.parametrize("value", ["x" * MAX_IDENTIFIER_LENGTH, "...", "a.b", " a ", "任务", "/"])
def test_these_are_sent_as_they_are(value):
    assert check_identifier("instance_id", value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "tok\r\n",
            "security_token: must be printable ASCII; character 4 is U+000D (a control character)",
        ),
        (
            "tok\x7f",
            "security_token: must be printable ASCII; character 4 is U+007F (a control character)",
        ),
        ("toké", "security_token: must be printable ASCII; character 4 is U+00E9 (not ASCII)"),
    ],
)
def test_a_header_value_is_printable_ascii_and_never_repeated(value, message):
    with pytest.raises(InvalidRequest) as caught:
        check_header_value("security_token", value)
    assert str(caught.value) == message
    assert check_header_value("security_token", " ~AZaz09") == " ~AZaz09"
