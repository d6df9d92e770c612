"""Keys by name (credentials/static.py) and the unit they make (keys.py), word for word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_rocketmq_migration.credentials.keys import Credentials, Missing
from pulumi_rocketmq_migration.errors import (
    CredentialsNotFound,
    InvalidRequest,
)
from pulumi_rocketmq_migration.settings import resolve

NO_METADATA = {"HW_REGION_NAME": "cn-north-4", "HW_PROJECT_ID": "p", "HW_METADATA_ENDPOINT": "off"}


def refusal(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(InvalidRequest) as caught:
        call(*args, **kwargs)
    return caught.value.field, caught.value.problem


def found(**kwargs) -> Credentials:
    return resolve(**kwargs).credentials.current()


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document))
    return path


# -- variables, config, arguments ----------------------------------------------


def test_the_source_says_which_names_it_read():
    env = {**NO_METADATA, "HW_ACCESS_KEY": "a", "HW_SECRET_KEY": "s", "HW_SECURITY_TOKEN": "t"}
    creds = found(environ=env)
    assert creds.source == "environment ($HW_ACCESS_KEY, $HW_SECRET_KEY, $HW_SECURITY_TOKEN)"
    assert creds.kind == "aksk" and creds.current() is creds
    assert repr(creds) == (
        "Credentials(kind='aksk', source='environment ($HW_ACCESS_KEY, $HW_SECRET_KEY, "
        "$HW_SECURITY_TOKEN)', secrets hidden)"
    )
    token = found(environ={**NO_METADATA, "HW_AUTH_TOKEN": "iam"})
    assert (token.source, token.kind) == ("environment ($HW_AUTH_TOKEN)", "token")
    sdk = found(environ={**NO_METADATA, "HUAWEICLOUD_SDK_AK": "a", "HUAWEICLOUD_SDK_SK": "s"})
    assert sdk.source == "environment ($HUAWEICLOUD_SDK_AK, $HUAWEICLOUD_SDK_SK)"
    args = found(explicit={"access_key": "a", "secret_key": "s"}, environ=NO_METADATA)
    assert args.source == "arguments (access_key, secret_key)"
    config = {
        "huaweicloud:accessKey": "",
        "huaweicloud:access_key": 12345,
        "huaweicloud:secretKey": "s",
    }
    creds = found(config=config, environ=NO_METADATA)
    assert creds.access_key == "12345"
    assert creds.source == "stack config (huaweicloud:access_key, huaweicloud:secretKey)"
    assert Credentials(access_key="a").kind == "token"


def test_empty_values_are_not_set():
    env = {**NO_METADATA, "HW_ACCESS_KEY": "", "HW_SECRET_KEY": "", "HUAWEICLOUD_SDK_AK": "a"}
    env["HUAWEICLOUD_SDK_SK"] = "s"
    assert found(environ=env).access_key == "a"
    explicit = {"access_key": "", "secret_key": None}
    assert found(explicit=explicit, environ=env).access_key == "a"


def test_an_incomplete_set_is_refused_word_for_word():
    assert refusal(resolve, environ={**NO_METADATA, "HW_SECURITY_TOKEN": "t"}) == (
        "credentials",
        "environment has $HW_SECURITY_TOKEN but not access_key or secret_key; credentials are "
        "taken as one set from the first place that has any, never mixed from two: "
        "complete them there, or remove them",
    )
    env = {**NO_METADATA, "HW_ACCESS_KEY": "a", "HW_AUTH_TOKEN": "x"}
    problem = refusal(resolve, environ=env)[1]
    assert problem.startswith(
        "environment has $HW_ACCESS_KEY and $HW_AUTH_TOKEN but not secret_key;"
    )


def test_no_credentials_word_for_word(tmp_path):
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(config={}, environ={**NO_METADATA, "HOME": str(tmp_path)})
    assert caught.value.looked_at == (
        "stack config (none of huaweicloud:accessKey/huaweicloud:secretKey/"
        "huaweicloud:securityToken set)",
        "stack config (none of huaweicloud:idpId/huaweicloud:idTokenFile set)",
        "environment (none of $HW_ACCESS_KEY/$HW_SECRET_KEY/$HW_SECURITY_TOKEN/$HW_AUTH_TOKEN set)",
        "environment (none of $HW_ASSUME_ROLE_IDP_ID/$HW_ASSUME_ROLE_ID_TOKEN_FILE/"
        "$HW_ASSUME_ROLE_ID_TOKEN set)",
        "environment (none of $HUAWEICLOUD_SDK_AK/$HUAWEICLOUD_SDK_SK/"
        "$HUAWEICLOUD_SDK_SECURITY_TOKEN set)",
        "environment (none of $HUAWEICLOUD_SDK_IDP_ID/$HUAWEICLOUD_SDK_ID_TOKEN_FILE set)",
        f"SDK credentials file {tmp_path}/.huaweicloud/credentials [basic] (no such file)",
    )
    assert str(Missing("here", "why")) == "here (why)"


@pytest.mark.parametrize(
    ("value", "position"), [("ab\u20ac", 3), (" ab", 1), ("a\x7f", 2), ("a\x00", 2)]
)
def test_a_bad_character_is_named_by_position(value, position):
    env = {**NO_METADATA, "HW_ACCESS_KEY": "a", "HW_SECRET_KEY": value}
    assert refusal(resolve, environ=env) == (
        "secret_key",
        f"from environment ($HW_ACCESS_KEY, $HW_SECRET_KEY): character {position} is not "
        "printable ASCII (keys and tokens are letters, digits and punctuation, without spaces)",
    )
    assert found(environ={**env, "HW_SECRET_KEY": "!~"}).secret_key == "!~"


def test_an_empty_value_is_no_value_in_arguments_and_in_stack_config():
    env = {**NO_METADATA, "HW_ACCESS_KEY": "env-ak", "HW_SECRET_KEY": "env-sk"}
    creds = resolve(explicit={"access_key": "", "secret_key": ""}, environ=env).credentials
    assert (creds.access_key, creds.secret_key) == ("env-ak", "env-sk")
    config = {
        "huaweicloud:accessKey": "",
        "huaweicloud:access_key": "cfg-ak",
        "huaweicloud:secretKey": "cfg-sk",
    }
    creds = resolve(config=config, environ=env).credentials
    assert (creds.access_key, creds.secret_key) == ("cfg-ak", "cfg-sk")
