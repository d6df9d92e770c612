"""The credential chain: one unit from the first source that has any, reasons for the rest."""

from __future__ import annotations

import json
import time
from pathlib import Path

import attrs
import pytest

from pulumi_rocketmq_migration.client import MigrationClient
from pulumi_rocketmq_migration.credentials import (
    Credentials,
    IncompleteCredentials,
    RefreshingCredentials,
)
from pulumi_rocketmq_migration.errors import AuthError, CredentialsNotFound, InvalidRequest
from pulumi_rocketmq_migration.listing import read_tasks
from pulumi_rocketmq_migration.settings import Settings, resolve
from tests.conftest import CLOSED_METADATA, INSTANCE_ID, PROJECT_ID

TASK_ID = "c1100000-0000-4000-8000-000000000001"

WHERE = {
    "HW_REGION_NAME": "cn-north-4",
    "HW_PROJECT_ID": "p",
    "HW_METADATA_ENDPOINT": CLOSED_METADATA,
}
HW = {"HW_ACCESS_KEY": "hw-ak", "HW_SECRET_KEY": "hw-sk", "HW_SECURITY_TOKEN": "hw-token"}
SDK = {
    "HUAWEICLOUD_SDK_AK": "sdk-ak",
    "HUAWEICLOUD_SDK_SK": "sdk-sk",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN": "sdk-token",
}
CONFIG = {
    "huaweicloud:accessKey": "config-ak",
    "huaweicloud:secretKey": "config-sk",
    "huaweicloud:securityToken": "config-token",
}


def keys(**kwargs):
    found = resolve(**kwargs).credentials.current()
    return found.access_key, found.secret_key, found.security_token, found.auth_token


def koocli(tmp_path: Path, profiles: list[dict], current: str = "default", **top) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"current": current, "profiles": profiles, **top}))
    return path


def sdk_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "credentials"
    path.write_text(text)
    return path


# -- order ---------------------------------------------------------------------


def test_each_source_beats_the_ones_after_it(tmp_path):
    kpath = koocli(
        tmp_path,
        [{"name": "default", "mode": "AKSK", "accessKeyId": "KOOAK", "secretAccessKey": "KOOSK"}],
    )
    spath = sdk_file(tmp_path, "[basic]\nak = FILEAK\nsk = FILESK\n")
    env = {**WHERE, **HW, **SDK, "HW_SHARED_CONFIG_FILE": str(kpath)}
    env["HUAWEICLOUD_SDK_CREDENTIALS_FILE"] = str(spath)
    explicit = {"access_key": "arg-ak", "secret_key": "arg-sk"}

    assert keys(explicit=explicit, config=CONFIG, environ=env)[:2] == ("arg-ak", "arg-sk")
    assert keys(config=CONFIG, environ=env) == ("config-ak", "config-sk", "config-token", None)
    assert keys(config={}, environ=env) == ("hw-ak", "hw-sk", "hw-token", None)
    for name in HW:
        del env[name]
    assert keys(environ=env) == ("sdk-ak", "sdk-sk", "sdk-token", None)
    for name in SDK:
        del env[name]
    assert keys(environ=env) == ("KOOAK", "KOOSK", None, None)
    del env["HW_SHARED_CONFIG_FILE"]
    assert keys(environ=env) == ("FILEAK", "FILESK", None, None)


def test_snake_case_stack_config_keys_are_credentials_too():
    config = {"huaweicloud:access_key": "a", "huaweicloud:secret_key": "s"}
    assert keys(config=config, environ=WHERE)[:2] == ("a", "s")


def test_an_iam_token_alone_is_enough_and_keys_win_over_it():
    assert keys(environ={**WHERE, "HW_AUTH_TOKEN": "iam"}) == (None, None, None, "iam")
    both = {**WHERE, "HW_AUTH_TOKEN": "iam", "HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "s"}
    assert keys(environ=both)[:2] == ("a", "s")


def test_where_credentials_came_from_is_told_without_them():
    found = resolve(config=CONFIG, environ=WHERE).credentials
    assert "stack config" in found.source and "huaweicloud:accessKey" in found.source
    assert "config-sk" not in repr(found) and "config-ak" not in repr(found)


# -- one unit, never mixed -----------------------------------------------------


def test_an_access_key_in_stack_config_with_the_secret_key_in_the_environment_is_refused():
    config = {"huaweicloud:accessKey": "config-ak"}
    env = {**WHERE, "HW_SECRET_KEY": "env-secret-never-shown"}
    with pytest.raises(IncompleteCredentials) as caught:
        resolve(config=config, environ=env)
    message = str(caught.value)
    assert caught.value.place == "stack config"
    assert "huaweicloud:accessKey" in message and "secret_key" in message
    assert "never mixed" in message
    assert "env-secret-never-shown" not in message and "config-ak" not in message


@pytest.mark.parametrize(
    ("env", "place"),
    [
        ({"HW_ACCESS_KEY": "a", "HUAWEICLOUD_SDK_SK": "s"}, "$HW_ACCESS_KEY"),
        ({"HW_SECRET_KEY": "s", "HUAWEICLOUD_SDK_AK": "a"}, "$HW_SECRET_KEY"),
        ({"HW_SECURITY_TOKEN": "t", **SDK}, "$HW_SECURITY_TOKEN"),
        ({"HUAWEICLOUD_SDK_AK": "a", "HW_AUTH_TOKEN": "x"}, None),
    ],
)
def test_hw_and_sdk_variables_are_two_sources_never_mixed(env, place):
    if place is None:  # HW_AUTH_TOKEN is complete in the HW_* source: it wins
        assert keys(environ={**WHERE, **env})[3] == "x"
        return
    with pytest.raises(IncompleteCredentials) as caught:
        resolve(environ={**WHERE, **env})
    assert place in str(caught.value)


def test_explicit_credentials_are_not_ignored():
    explicit = {"access_key": "arg-ak", "secret_key": "arg-sk", "security_token": "arg-t"}
    assert keys(explicit=explicit, environ={**WHERE, **HW}) == ("arg-ak", "arg-sk", "arg-t", None)
    with pytest.raises(IncompleteCredentials) as caught:
        resolve(explicit={"access_key": "only"}, environ={**WHERE, **HW})
    assert caught.value.place == "arguments"


# -- the "no credentials" message ----------------------------------------------


def test_no_credentials_names_each_place_read_in_order_and_no_other(tmp_path):
    env = {**WHERE, "HOME": str(tmp_path)}
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(config={}, environ=env)
    places = caught.value.looked_at
    assert [p.split(" (")[0] for p in places] == [
        "stack config",
        "stack config",  # federation: idpId and idTokenFile
        "environment",
        "environment",  # federation: HW_ASSUME_ROLE_IDP_ID ...
        "environment",
        "environment",  # federation: HUAWEICLOUD_SDK_IDP_ID ...
        f"SDK credentials file {tmp_path}/.huaweicloud/credentials [basic]",
        f"ECS metadata {CLOSED_METADATA}",
    ]
    message = str(caught.value)
    assert "$HW_ACCESS_KEY" in message and "$HUAWEICLOUD_SDK_AK" in message
    assert "no such file" in message and "no answer" in message
    assert "KooCLI" not in message and "argument" not in message

    # No stack config read (the CLI), no home, metadata switched off: none of them named.
    env = {**WHERE, "HW_METADATA_ENDPOINT": "off"}
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(environ=env)
    assert [p.split(" (")[0] for p in caught.value.looked_at] == ["environment"] * 4


@pytest.mark.parametrize("field", ["access_key", "secret_key", "security_token", "auth_token"])
@pytest.mark.parametrize("bad", ["tok\u20ac", "a b", "line\r\nX-Injected: 1", "\x00"])
def test_a_key_that_is_not_printable_ascii_is_a_usage_error_naming_it(field, bad):
    variables = {
        "access_key": "HW_ACCESS_KEY",
        "secret_key": "HW_SECRET_KEY",
        "security_token": "HW_SECURITY_TOKEN",
        "auth_token": "HW_AUTH_TOKEN",
    }
    env = (
        {**WHERE}
        if field == "auth_token"
        else {**WHERE, "HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "s"}
    )
    env[variables[field]] = "secret-" + bad
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=env)
    assert caught.value.field == field
    assert "secret-" not in str(caught.value)


# -- KooCLI config.json --------------------------------------------------------


def test_a_named_koocli_profile_gives_keys_region_and_project(tmp_path):
    path = koocli(
        tmp_path,
        [
            {"name": "default", "mode": "AKSK", "accessKeyId": "DEFAK", "secretAccessKey": "DEFSK"},
            {
                "name": "ci",
                "mode": "AKSK",
                "accessKeyId": "CIAK",
                "secretAccessKey": "CISK",
                "securityToken": "CITOKEN",
                "region": "ap-southeast-3",
                "projectId": "ci-project",
            },
        ],
    )
    env = {"HW_METADATA_ENDPOINT": CLOSED_METADATA, "HW_SHARED_CONFIG_FILE": str(path)}
    settings = resolve(config={"huaweicloud:profile": "ci"}, environ=env)
    assert keys(config={"huaweicloud:profile": "ci"}, environ=env) == (
        "CIAK",
        "CISK",
        "CITOKEN",
        None,
    )
    assert settings.region == "ap-southeast-3" and settings.project_id == "ci-project"
    assert settings.endpoint == "https://dms.ap-southeast-3.myhuaweicloud.com"
    # Without a profile named, the file's current one; stack config beats HW_PROFILE.
    env["HW_PROJECT_ID"], env["HW_REGION_NAME"] = "p", "cn-north-4"
    assert keys(environ=env)[:2] == ("DEFAK", "DEFSK")
    assert keys(environ={**env, "HW_PROFILE": "ci"})[:2] == ("CIAK", "CISK")
    config = {"huaweicloud:shared_config_file": str(path), "huaweicloud:profile": "default"}
    assert keys(config=config, environ={**env, "HW_PROFILE": "ci"})[:2] == ("DEFAK", "DEFSK")
    # Region and project from the environment come before the profile's, field by field.
    assert resolve(environ={**env, "HW_PROFILE": "ci"}).project_id == "p"


def test_a_missing_koocli_file_or_profile_names_the_path_and_the_profile(tmp_path):
    env = {**WHERE, "HW_SHARED_CONFIG_FILE": str(tmp_path / "absent.json"), "HW_PROFILE": "ci"}
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=env)
    assert str(tmp_path / "absent.json") in str(caught.value) and "'ci'" in str(caught.value)

    path = koocli(tmp_path, [{"name": "default", "accessKeyId": "A", "secretAccessKey": "S"}])
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ={**env, "HW_SHARED_CONFIG_FILE": str(path)})
    assert str(path) in str(caught.value) and "no profile 'ci'" in str(caught.value)
    assert "default" in str(caught.value)

    path.write_text('{"profiles": [{"name": "x", "accessKeyId": "SECRETAK",')
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ={**env, "HW_SHARED_CONFIG_FILE": str(path)})
    assert "not JSON" in str(caught.value) and "SECRETAK" not in str(caught.value)


@pytest.mark.parametrize(
    ("top", "profile"),
    [
        ({"authEncrypt": "true"}, {"accessKeyId": "x", "secretAccessKey": "y"}),
        ({}, {"cliAuthEncrypt": True, "accessKeyId": "x", "secretAccessKey": "y"}),
        (
            {},
            {
                "accessKeyId": "q8Zx+2/abcdEFGhijkLMNopqRSTuvwxYZ0123456789==",
                "secretAccessKey": "y",
            },
        ),
    ],
)
def test_an_encrypted_koocli_profile_says_how_to_store_it_unencrypted(tmp_path, top, profile):
    path = koocli(tmp_path, [{"name": "default", "mode": "AKSK", **profile}], **top)
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ={**WHERE, "HW_SHARED_CONFIG_FILE": str(path)})
    message = str(caught.value)
    assert "hcloud configure set --cli-auth-encrypt=false" in message
    assert "\n" not in message and str(path) in message


def test_a_koocli_profile_without_keys_is_passed_over_with_its_reason(tmp_path):
    path = koocli(tmp_path, [{"name": "default", "mode": "SSO", "region": "cn-north-4"}])
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(environ={**WHERE, "HW_SHARED_CONFIG_FILE": str(path)})
    assert f"KooCLI config {path} profile 'default' (mode SSO" in str(caught.value)


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


# -- ECS metadata --------------------------------------------------------------


def metadata_env(emulator) -> dict[str, str]:
    return {"HW_PROJECT_ID": PROJECT_ID, "HW_METADATA_ENDPOINT": emulator.metadata.url}


def test_metadata_keys_sign_requests_with_their_security_token(serve_metadata):
    emulator = serve_metadata()
    settings = resolve(explicit={"endpoint": emulator.base_url}, environ=metadata_env(emulator))
    assert isinstance(settings.credentials, RefreshingCredentials)
    assert "ECS metadata" in repr(settings.credentials)
    with MigrationClient(settings) as client:
        assert len(read_tasks(client, INSTANCE_ID)) == 1
    assert emulator.metadata.requests == [("GET", "/openstack/latest/securitykey")]
    # A listing of one task is two pages: a short first page may be a silent cap.
    assert [r.status for r in emulator.requests] == [200, 200]
    assert all(r.header("X-Security-Token") == "<redacted>" for r in emulator.requests)


def test_the_session_token_handshake_when_the_service_asks_for_one(serve_metadata):
    emulator = serve_metadata(require_token=True)
    settings = resolve(explicit={"endpoint": emulator.base_url}, environ=metadata_env(emulator))
    with MigrationClient(settings) as client:
        assert len(read_tasks(client, INSTANCE_ID)) == 1
    assert emulator.metadata.requests == [
        ("GET", "/openstack/latest/securitykey"),
        ("PUT", "/meta-data/latest/api/token"),
        ("GET", "/openstack/latest/securitykey"),
    ]


def test_an_instance_without_an_agency_is_a_reason_not_a_traceback(serve_metadata):
    emulator = serve_metadata(agency=False)
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(explicit={"endpoint": emulator.base_url}, environ=metadata_env(emulator))
    assert f"ECS metadata {emulator.metadata.url} (this instance has no agency)" in str(
        caught.value
    )
    assert emulator.metadata.requests == [("GET", "/openstack/latest/securitykey")]


def test_temporary_keys_are_refreshed_before_they_expire_during_a_long_read(serve_metadata):
    emulator = serve_metadata(lifetime=1.6)
    settings = resolve(explicit={"endpoint": emulator.base_url}, environ=metadata_env(emulator))
    first = settings.credentials.current()
    stale = Settings(**{**attrs.asdict(settings, recurse=False), "credentials": first})
    deadline = time.monotonic() + 3.0  # almost twice the keys' lifetime
    with MigrationClient(settings) as client:
        while time.monotonic() < deadline:
            assert client.get_task(INSTANCE_ID, TASK_ID).task.id == TASK_ID
            time.sleep(0.2)
    assert settings.credentials.refreshes >= 2
    assert len(emulator.metadata.keys.issued) >= 3
    assert all(r.status == 200 for r in emulator.requests)
    # The control: the first keys alone are refused once expired.
    with MigrationClient(stale) as client, pytest.raises(AuthError) as caught:
        client.get_task(INSTANCE_ID, TASK_ID)
    assert "expired" in str(caught.value)


def test_a_temporary_key_needs_its_own_security_token(serve_metadata):
    emulator = serve_metadata()
    key = emulator.metadata.keys.current()
    for token in (None, "someone-elses-token"):
        credentials = Credentials(key.access_key, key.secret_key, token)
        settings = Settings(
            endpoint=emulator.base_url, project_id=PROJECT_ID, credentials=credentials
        )
        with MigrationClient(settings) as client, pytest.raises(AuthError):
            read_tasks(client, INSTANCE_ID)
