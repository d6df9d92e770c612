"""The official SDK's credentials file (credentials/sdk_file.py): its [basic] section."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_rocketmq_migration.credentials.keys import IncompleteCredentials
from pulumi_rocketmq_migration.credentials.sdk_file import sdk_file_path
from pulumi_rocketmq_migration.errors import (
    CredentialsNotFound,
    InvalidRequest,
)
from pulumi_rocketmq_migration.settings import resolve
from tests.conftest import CLOSED_METADATA
from tests.test_credentials_chain import WHERE, keys, sdk_file
from tests.test_credentials_static import NO_METADATA, found, refusal

# -- the SDK credentials file --------------------------------------------------


def test_the_sdk_file_gives_keys_and_project(tmp_path):
    path = sdk_file(tmp_path, "[basic]\nak = FAK\nsk = FSK\nsecurity_token = FT\nproject_id = fp\n")
    env = {"HW_REGION_NAME": "cn-north-4", "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)}
    env["HW_METADATA_ENDPOINT"] = CLOSED_METADATA
    settings = resolve(environ=env)
    assert settings.project_id == "fp"
    assert keys(environ=env) == ("FAK", "FSK", "FT", None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[other]\nak = A\nsk = S\n", "no [basic] section"),
        ("[basic]\nproject_id = p\n", "no ak/sk"),
    ],
)
def test_an_sdk_file_without_keys_is_passed_over_with_its_reason(tmp_path, text, reason):
    env = {**WHERE, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(sdk_file(tmp_path, text))}
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(environ=env)
    assert reason in str(caught.value)


def test_a_broken_sdk_file_is_a_usage_error_that_quotes_nothing_of_it(tmp_path):
    path = sdk_file(tmp_path, "[basic\nak = SECRETAK\n")
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ={**WHERE, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)})
    assert str(path) in str(caught.value) and "SECRETAK" not in str(caught.value)


def test_a_half_set_in_the_sdk_file_is_refused(tmp_path):
    path = sdk_file(tmp_path, "[basic]\nak = FAK\n")
    with pytest.raises(IncompleteCredentials) as caught:
        resolve(environ={**WHERE, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)})
    assert "SDK credentials file" in str(caught.value)


# -- the SDK credentials file --------------------------------------------------


def test_where_the_sdk_file_is(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert sdk_file_path({"HUAWEICLOUD_SDK_CREDENTIALS_FILE": "~/c"}) == tmp_path / "c"
    assert sdk_file_path({"HOME": "/h"}) == Path("/h/.huaweicloud/credentials")
    assert sdk_file_path({"USERPROFILE": "/u"}) == Path("/u/.huaweicloud/credentials")
    assert sdk_file_path({"HOME": "/h", "USERPROFILE": "/u"}) == Path("/h/.huaweicloud/credentials")
    assert sdk_file_path({"HUAWEICLOUD_SDK_CREDENTIALS_FILE": ""}) is None
    assert sdk_file_path({}) is None


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"[basic]\nak = X\n[basic]\n", "While reading from {path!r} [line  3]"),
        (b"\xff[basic]\n", "'utf-8' codec can't decode byte 0xff in position 0"),
    ],
)
def test_an_unreadable_sdk_file_is_named_without_its_content(tmp_path, data, problem):
    path = tmp_path / "credentials"
    path.write_bytes(data)
    env = {**NO_METADATA, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)}
    assert refusal(resolve, environ=env) == (
        "credentials file",
        f"cannot read {path}: " + problem.format(path=path),
    )


def test_the_sdk_file_values_are_stripped_and_empty_ones_dropped(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[basic]\nak =  FAK \nsk = FSK\nsecurity_token =\nproject_id =\n")
    env = {**NO_METADATA, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)}
    del env["HW_PROJECT_ID"], env["HW_REGION_NAME"]  # no region: no project from IAM either
    env["HW_DMS_ENDPOINT"] = "http://127.0.0.1:9"
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=env)
    assert caught.value.field == "project_id"
    creds = found(environ={**env, "HW_PROJECT_ID": "p"})
    assert (creds.access_key, creds.security_token) == ("FAK", None)
    assert creds.source == f"SDK credentials file {path} [basic] (ak, sk)"
    assert refusal(resolve, environ={**env, "HW_SHARED_CONFIG_FILE": ""})[0] == "project_id"


def test_an_sdk_file_without_keys_names_its_place(tmp_path):
    for text, why in (("[other]\n", "no [basic] section"), ("[basic]\nx = 1\n", "no ak/sk")):
        path = tmp_path / "credentials"
        path.write_text(text)
        with pytest.raises(CredentialsNotFound) as caught:
            resolve(environ={**NO_METADATA, "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(path)})
        assert caught.value.looked_at[-1] == f"SDK credentials file {path} [basic] ({why})"
