"""The credential chain (credentials/chain.py): one unit from the first source that has
any, reasons for the rest, in order."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_rocketmq_migration.credentials.chain import sources
from pulumi_rocketmq_migration.credentials.keys import IncompleteCredentials
from pulumi_rocketmq_migration.credentials.places import Places
from pulumi_rocketmq_migration.errors import CredentialsNotFound, InvalidRequest
from pulumi_rocketmq_migration.settings import resolve
from tests.conftest import CLOSED_METADATA

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


# -- the package's names -----------------------------------------------------------

# Every public name of the single module ``credentials`` (0.1.0) had, now spread over the
# package's modules: code, and any pickled state, that names one still finds it there.
SINGLE_MODULE_NAMES = (
    "CONFIG_KEYS",
    "CONFIG_NAMESPACE",
    "Credentials",
    "ENCRYPTED_HINT",
    "FIELDS",
    "Fetcher",
    "HW_VARIABLES",
    "IncompleteCredentials",
    "KooCliProfile",
    "KooCliSource",
    "METADATA_DEFAULT",
    "METADATA_OFF",
    "METADATA_TIMEOUT",
    "METADATA_VARIABLE",
    "MappingSource",
    "MetadataService",
    "MetadataSource",
    "MetadataUnavailable",
    "Missing",
    "NO_AGENCY",
    "PROFILE_KEYS",
    "PROFILE_VARIABLE",
    "Places",
    "REFRESH_MARGIN",
    "RefreshingCredentials",
    "SDK_FILE_SECTION",
    "SDK_FILE_VARIABLE",
    "SDK_VARIABLES",
    "SECURITY_KEY_PATH",
    "SHARED_CONFIG_KEYS",
    "SHARED_CONFIG_VARIABLE",
    "SdkFileSource",
    "SdkProfile",
    "Source",
    "TOKEN_HEADER",
    "TOKEN_PATH",
    "TOKEN_TTL_HEADER",
    "TOKEN_TTL_SECONDS",
    "check_printable",
    "find",
    "koocli_location",
    "load_koocli_profile",
    "load_sdk_profile",
    "metadata_endpoint",
    "parse_expiry",
    "sdk_file_path",
    "shared",
    "sources",
    "unit",
)
MODULES = (
    "keys",
    "static",
    "koocli",
    "sdk_file",
    "refreshing",
    "metadata",
    "places",
    "iam",
    "federation",
    "agency",
    "chain",
)


def test_the_package_keeps_every_name_of_the_single_module():
    package = importlib.import_module("pulumi_rocketmq_migration.credentials")
    assert set(SINGLE_MODULE_NAMES) <= set(package.__all__)
    for name in package.__all__:
        homes = [
            module
            for module in MODULES
            if getattr(importlib.import_module(f"{package.__name__}.{module}"), name, None)
            is getattr(package, name)
        ]
        assert homes, f"{name} is in no module of the package"


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_first_in_a_fresh_process(module):
    """No import cycle: whichever module a process imports first, it loads."""
    done = subprocess.run(
        [sys.executable, "-c", f"import pulumi_rocketmq_migration.credentials.{module}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("config", [None, {"huaweicloud:region": "cn-north-4"}])
def test_the_chain_without_keyless_sources_is_each_key_place_in_order(config):
    """``sources`` is public: called without federation, it lists the key places only,
    and an empty argument is no argument."""
    places = Places(
        {"access_key": "", "secret_key": None}, config, {"HW_METADATA_ENDPOINT": "off"}, None, None
    )
    found = [source.place for source in sources(places)]
    assert found == ["stack config"] * (config is not None) + ["environment", "environment"]
