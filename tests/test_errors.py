"""Every error pickles to an equal one (the engine and process pools pass them that way)."""

from __future__ import annotations

import inspect
import pickle

import pytest

from pulumi_rocketmq_migration import errors

EXAMPLES = [
    errors.MigrationTaskError("something"),
    errors.InvalidRequest("timeout", "is not a duration"),
    errors.CredentialsNotFound(("argument access_key", "$HW_ACCESS_KEY")),
    errors.InvalidResponse("total", "missing", "req-1"),
    errors.ServiceError("instance i: bad", status=400, code="DMS.1", request_id="req-2"),
    errors.NotFound("no migration task named 'x' in instance i"),
    errors.AuthError("instance i: denied", status=403, code="APIGW.0302"),
    errors.Throttled("instance i: slow down", status=429),
    errors.ServiceUnavailable("no answer from host for instance i after 5 attempts"),
    errors.TaskFailed("t1", "orders", "failed"),
    errors.WaitTimeout("t1", "orders", "starting", 61.0, "finished"),
]


def test_every_error_class_has_an_example():
    classes = {
        c
        for _, c in inspect.getmembers(errors, inspect.isclass)
        if issubclass(c, errors.MigrationTaskError)
    }
    assert classes == {type(e) for e in EXAMPLES}


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_an_error_survives_pickling(error):
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def test_a_status_is_shown_only_when_there_was_an_http_answer():
    assert str(errors.NotFound("no task named 'x'")) == "no task named 'x'"
    assert str(errors.NotFound("gone", code="DMS.00405011")) == "gone [DMS.00405011]"
    answered = errors.ServiceUnavailable("broke off", status=200, request_id="r")
    assert str(answered) == "broke off [HTTP 200, request id r]"


HOSTILE = "ok\x1b]0;pwned\x07\r\nforged line\u202e"


@pytest.mark.parametrize(
    "error",
    [
        errors.ServiceError(f"instance i: {HOSTILE}", status=400, code=HOSTILE),
        errors.InvalidResponse("body", f"not JSON: {HOSTILE}", HOSTILE),
        errors.MigrationTaskError(HOSTILE),
    ],
    ids=lambda e: type(e).__name__,
)
def test_an_error_prints_what_the_service_sent_inert_and_keeps_it_raw(error):
    text = str(error)
    assert text.isprintable()
    assert "\\x1b]0;pwned\\x07\\r\\nforged line\\u202e" in text
    assert HOSTILE in error.args[0]
    assert str(pickle.loads(pickle.dumps(error))) == text
