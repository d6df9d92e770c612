"""Settings come from arguments, then stack config, then the environment, field by field."""

from __future__ import annotations

import pytest

from pulumi_rocketmq_migration.errors import CredentialsNotFound, InvalidRequest
from pulumi_rocketmq_migration.settings import endpoint_for_region, resolve

ENV = {
    "HW_ACCESS_KEY": "env-ak",
    "HW_SECRET_KEY": "env-sk",
    "HW_REGION_NAME": "cn-north-4",
    "HW_PROJECT_ID": "env-project",
}


def test_the_environment_alone_is_enough():
    settings = resolve(environ=ENV)
    assert settings.endpoint == "https://dms.cn-north-4.myhuaweicloud.com"
    assert settings.credentials.access_key == "env-ak"
    assert settings.project_id == "env-project"


def test_arguments_beat_stack_config_beat_the_environment():
    config = {"huaweicloud:region": "ap-southeast-1", "huaweicloud:projectId": "config-project"}
    settings = resolve(explicit={"project_id": "arg-project"}, config=config, environ=ENV)
    assert settings.project_id == "arg-project"
    assert settings.region == "ap-southeast-1"
    assert settings.credentials.secret_key == "env-sk"


def test_the_official_sdk_variables_are_read_after_terraform_ones():
    env = {
        "HUAWEICLOUD_SDK_AK": "sdk-ak",
        "HUAWEICLOUD_SDK_SK": "sdk-sk",
        "HUAWEICLOUD_SDK_PROJECT_ID": "sdk-project",
        "HUAWEICLOUD_SDK_SECURITY_TOKEN": "sdk-token",
        "HW_REGION_NAME": "cn-north-4",
    }
    settings = resolve(environ=env)
    assert settings.credentials.access_key == "sdk-ak"
    assert settings.credentials.security_token == "sdk-token"
    assert resolve(environ={**env, "HW_ACCESS_KEY": "hw-ak"}).credentials.access_key == "hw-ak"


def test_missing_credentials_list_every_place_looked_at():
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(environ={"HW_REGION_NAME": "cn-north-4", "HW_PROJECT_ID": "p"})
    message = str(caught.value)
    for place in ("stack config huaweicloud:accessKey", "$HW_ACCESS_KEY", "$HUAWEICLOUD_SDK_SK"):
        assert place in message


def test_secrets_never_show_in_repr():
    settings = resolve(environ=ENV)
    assert "env-sk" not in repr(settings)
    assert "env-ak" not in repr(settings)


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        ("cn-north-4", "https://dms.cn-north-4.myhuaweicloud.com"),
        ("eu-west-101", "https://dms.eu-west-101.myhuaweicloud.eu"),
    ],
)
def test_region_endpoints_follow_the_official_sdk(region, endpoint):
    assert endpoint_for_region(region) == endpoint


@pytest.mark.parametrize(
    ("explicit", "field"),
    [
        ({"endpoint": "http://dms.example.com"}, "endpoint"),
        ({"endpoint": "ftp://127.0.0.1"}, "endpoint"),
        ({"region": "evil.com/x"}, "region"),
        ({"insecure": "maybe"}, "insecure"),
        ({"max_retries": "lots"}, "max_retries"),
        ({"access_key": "only-ak", "secret_key": None}, "secret_key"),
    ],
)
def test_bad_settings_name_the_field(explicit, field):
    env = {k: v for k, v in ENV.items() if not (field == "secret_key" and k == "HW_SECRET_KEY")}
    with pytest.raises(InvalidRequest) as caught:
        resolve(explicit=explicit, environ=env)
    assert caught.value.field == field


def test_plain_http_is_allowed_to_loopback_only():
    assert resolve(explicit={"endpoint": "http://127.0.0.1:8080/"}, environ=ENV).endpoint == (
        "http://127.0.0.1:8080"
    )
    assert (
        resolve(explicit={"endpoint": "http://[::1]:1"}, environ=ENV).endpoint == "http://[::1]:1"
    )
