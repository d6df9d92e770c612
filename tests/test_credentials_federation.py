"""OIDC federation (credentials/federation.py) against the emulator's IAM over real HTTP:
each place, refresh, and what errors say (and never say)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from pulumi_rocketmq_migration import cli
from pulumi_rocketmq_migration.client import MigrationClient
from pulumi_rocketmq_migration.credentials.keys import IncompleteCredentials
from pulumi_rocketmq_migration.credentials.refreshing import RefreshingCredentials
from pulumi_rocketmq_migration.emulator import Emulator, Scenario
from pulumi_rocketmq_migration.errors import AuthError, InvalidRequest
from pulumi_rocketmq_migration.settings import resolve
from tests.conftest import ACCESS_KEY, ID_TOKEN, INSTANCE_ID, PROJECT_ID, SECRET_KEY, task

IDP = "github-actions"
ID_TOKEN_2 = "eyJhbGciOi.rewritten-id-token.c2ln"
REGION = "cn-north-4"
DOMAIN, DOMAIN_ID, AGENCY = "acme", "d00000000000000000000000000000a1", "dms-reader"
EXCHANGES = ("/v3.0/OS-AUTH/id-token/tokens", "/v3.0/OS-CREDENTIAL/securitytokens")


def iam_scene(lifetime: float | None = None, projects: list[str] | None = None) -> Scenario:
    iam: dict[str, Any] = {
        "identity_providers": [{"id": IDP, "id_tokens": [ID_TOKEN, ID_TOKEN_2]}],
        "agencies": [{"name": AGENCY, "domain_name": DOMAIN, "domain_id": DOMAIN_ID}],
        "projects": [{"id": p, "region": REGION} for p in (projects or [PROJECT_ID])],
    }
    if lifetime is not None:
        iam["key_lifetime_seconds"] = lifetime
    tasks = [task("c1100000-0000-4000-8000-000000000001", "orders-sync")]
    return Scenario.from_dict({"instances": [{"id": INSTANCE_ID, "tasks": tasks}], "iam": iam})


def where(emulator: Emulator, **more: str) -> dict[str, str]:
    """Region and endpoints only: no project id, no key."""
    return {
        "HW_REGION_NAME": REGION,
        "HW_DMS_ENDPOINT": emulator.base_url,
        "HUAWEICLOUD_SDK_IAM_ENDPOINT": emulator.base_url,
        "HW_METADATA_ENDPOINT": "off",
        **more,
    }


def federated(emulator: Emulator, token_file: Path) -> dict[str, str]:
    return where(
        emulator, HUAWEICLOUD_SDK_IDP_ID=IDP, HUAWEICLOUD_SDK_ID_TOKEN_FILE=str(token_file)
    )


def base_keys(emulator: Emulator, **more: str) -> dict[str, str]:
    return where(emulator, HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY, **more)


def read_all(settings: Any) -> list[str]:
    with MigrationClient(settings) as client:
        return [t.name for t in client.list_page(INSTANCE_ID, 1, 10).tasks]


def only_allowed_methods(emulator: Emulator) -> None:
    """DMS got GET only; the only other requests are IAM's two token exchanges."""
    for record in emulator.requests:
        assert record.method == "GET" or record.path in EXCHANGES, record
        if record.path.startswith("/v2/"):
            assert record.method == "GET"


def test_federation_from_the_sdk_variables_finds_the_project_and_reads(serve, token_file):
    emulator = serve(iam_scene())
    settings = resolve(environ=federated(emulator, token_file))
    assert settings.project_id == PROJECT_ID
    assert isinstance(settings.credentials, RefreshingCredentials)
    assert "identity provider github-actions" in settings.credentials.source
    assert read_all(settings) == ["orders-sync"]
    only_allowed_methods(emulator)
    dms = [r for r in emulator.requests if r.path.startswith("/v2/")]
    assert {r.principal for r in dms} == {f"federated {IDP}"}
    # One exchange and one project look-up serve every later resolve of the process.
    again = resolve(environ=federated(emulator, token_file))
    assert again.credentials is settings.credentials and again == settings
    paths = [r.path for r in emulator.requests]
    assert paths.count(EXCHANGES[0]) == 1 and paths.count("/v3/projects") == 1


@pytest.mark.parametrize("family", ["terraform file", "terraform token", "stack config"])
def test_federation_from_each_place(serve, token_file, family):
    emulator = serve(iam_scene())
    config = None
    env = where(emulator)
    if family == "terraform file":
        env.update(HW_ASSUME_ROLE_IDP_ID=IDP, HW_ASSUME_ROLE_ID_TOKEN_FILE=str(token_file))
    elif family == "terraform token":
        env.update(HW_ASSUME_ROLE_IDP_ID=IDP, HW_ASSUME_ROLE_ID_TOKEN=ID_TOKEN)
    else:
        config = {"huaweicloud:idpId": IDP, "huaweicloud:idTokenFile": str(token_file)}
    settings = resolve(config=config, environ=env)
    assert read_all(settings) == ["orders-sync"]
    assert ID_TOKEN not in repr(settings) and ID_TOKEN not in settings.credentials.source


def test_keys_in_an_earlier_place_win_over_a_later_federation(serve, token_file):
    emulator = serve(iam_scene())
    env = {**federated(emulator, token_file), "HW_ACCESS_KEY": ACCESS_KEY}
    env["HW_SECRET_KEY"] = SECRET_KEY
    settings = resolve(environ=env)
    assert settings.credentials.source.startswith("environment ($HW_ACCESS_KEY")
    assert not any(r.path in EXCHANGES for r in emulator.requests)


def test_keys_refresh_before_they_expire_and_the_token_file_is_read_each_time(serve, token_file):
    """Keys live 2 s (key_lifetime_seconds), so they are refreshed at half their life; the
    emulator refuses expired keys, so every 200 over 3.5 s proves a refresh in time."""
    emulator = serve(iam_scene(lifetime=2.0))
    settings = resolve(environ=federated(emulator, token_file))
    credentials = settings.credentials
    assert isinstance(credentials, RefreshingCredentials)
    first = credentials.current().access_key
    token_file.write_text(ID_TOKEN_2)  # CI rewrote it: the next exchange must send this one
    started = time.monotonic()
    with MigrationClient(settings) as client:
        while time.monotonic() - started < 3.5:
            assert client.list_page(INSTANCE_ID, 1, 10).total == 1
            time.sleep(0.2)
    assert credentials.refreshes >= 2
    assert credentials.current().access_key != first
    exchanges = [r for r in emulator.requests if r.path == EXCHANGES[0]]
    assert len(exchanges) == credentials.refreshes + 1
    assert all(r.status == 201 for r in exchanges)
    # A token file that now holds a refused token: the old keys serve while valid, then
    # the refusal is told, naming the identity provider and never the token.
    token_file.write_text("revoked-token")
    time.sleep(2.1)
    with pytest.raises(AuthError) as caught:
        credentials.current()
    assert IDP in str(caught.value) and "revoked-token" not in str(caught.value)


def test_a_refused_id_token_is_an_auth_error_naming_the_idp_never_the_token(
    serve, tmp_path, monkeypatch, capsys
):
    emulator = serve(iam_scene())
    bad = tmp_path / "bad-token"
    bad.write_text("not-a-token-iam-accepts")
    env = federated(emulator, bad)
    with pytest.raises(AuthError) as caught:
        resolve(environ=env)
    message = str(caught.value)
    assert IDP in message and "HUAWEICLOUD_SDK_ID_TOKEN_FILE" in message
    assert "not-a-token-iam-accepts" not in message and caught.value.status == 401
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["list", "--instance-id", INSTANCE_ID]) == cli.EXIT_AUTH
    err = capsys.readouterr().err
    assert IDP in err and "not-a-token-iam-accepts" not in err
    only_allowed_methods(emulator)


@pytest.mark.parametrize("content", [None, "", "  \n"])
def test_a_missing_or_empty_token_file_is_a_usage_error_naming_its_variable(
    serve, tmp_path, monkeypatch, capsys, content
):
    emulator = serve(iam_scene())
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content)
    env = federated(emulator, path)
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=env)
    assert caught.value.field == "$HUAWEICLOUD_SDK_ID_TOKEN_FILE"
    assert ("does not exist" if content is None else "is empty") in str(caught.value)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["list", "--instance-id", INSTANCE_ID]) == cli.EXIT_USAGE
    assert "HUAWEICLOUD_SDK_ID_TOKEN_FILE" in capsys.readouterr().err
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("given", "lacking"),
    [
        ({"HUAWEICLOUD_SDK_IDP_ID": IDP}, "$HUAWEICLOUD_SDK_ID_TOKEN_FILE"),
        ({"HUAWEICLOUD_SDK_ID_TOKEN_FILE": "/x"}, "$HUAWEICLOUD_SDK_IDP_ID"),
        (
            {"HW_ASSUME_ROLE_IDP_ID": IDP},
            "$HW_ASSUME_ROLE_ID_TOKEN_FILE or $HW_ASSUME_ROLE_ID_TOKEN",
        ),
    ],
)
def test_half_a_federation_is_refused_naming_the_place(serve, given, lacking):
    emulator = serve(iam_scene())
    with pytest.raises(IncompleteCredentials) as caught:
        resolve(environ=where(emulator, **given))
    message = str(caught.value)
    assert message.startswith("credentials: environment has $")
    assert f"but not {lacking};" in message


def test_the_plugin_reads_federation_and_agency_under_its_own_namespace(serve, token_file):
    emulator = serve(iam_scene())
    role = {"agencyName": AGENCY, "domainId": DOMAIN_ID}
    config = {
        "rocketmq-migration:idpId": IDP,
        "rocketmq-migration:idTokenFile": str(token_file),
        "rocketmq-migration:assumeRole": json.dumps(role),
        "huaweicloud:idpId": "not-the-plugin's",
    }
    settings = resolve(config=config, environ=where(emulator), namespace="rocketmq-migration")
    assert read_all(settings) == ["orders-sync"]
    assert settings.credentials.source.startswith(f"agency {AGENCY} of domain {DOMAIN_ID}")
    assert "via federation with identity provider github-actions" in settings.credentials.source
    only_allowed_methods(emulator)


@pytest.mark.parametrize(
    ("content", "reason"), [(None, "IsADirectoryError"), (b"\xff\xfe token", "UnicodeDecodeError")]
)
def test_an_unreadable_token_file_names_its_variable_and_why_never_its_bytes(
    serve, tmp_path, content, reason
):
    emulator = serve(iam_scene())
    path = tmp_path / "token"
    path.mkdir() if content is None else path.write_bytes(content)
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=federated(emulator, path))
    assert caught.value.field == "$HUAWEICLOUD_SDK_ID_TOKEN_FILE"
    assert caught.value.problem == f"cannot read the id token file {path}: {reason}"
    assert emulator.requests == []


def test_terraform_s_inline_id_token_is_exchanged_as_given(serve):
    emulator = serve(iam_scene())
    env = where(emulator, HW_ASSUME_ROLE_IDP_ID=IDP, HW_ASSUME_ROLE_ID_TOKEN=f" {ID_TOKEN}\n")
    assert read_all(resolve(environ=env)) == ["orders-sync"]
    only_allowed_methods(emulator)


def test_each_inline_id_token_is_its_own_exchange_and_a_refused_one_names_its_variable(serve):
    emulator = serve(iam_scene())
    for token in (ID_TOKEN, ID_TOKEN_2, ID_TOKEN):
        env = where(emulator, HW_ASSUME_ROLE_IDP_ID=IDP, HW_ASSUME_ROLE_ID_TOKEN=token)
        assert read_all(resolve(environ=env)) == ["orders-sync"]
    assert len([r for r in emulator.requests if r.path == EXCHANGES[0]]) == 2
    env = where(emulator, HW_ASSUME_ROLE_IDP_ID=IDP, HW_ASSUME_ROLE_ID_TOKEN="stale-token")
    with pytest.raises(AuthError) as caught:
        resolve(environ=env)
    assert "(id token from $HW_ASSUME_ROLE_ID_TOKEN)" in str(caught.value)
    assert "stale-token" not in str(caught.value)
