"""Settings come from arguments, then stack config, then the environment, field by field;
the endpoint and region as one decision; TLS, proxy and endpoint checked before any request."""

from __future__ import annotations

import json

import pytest
import trustme

from pulumi_rocketmq_migration.errors import AuthError, InvalidRequest
from pulumi_rocketmq_migration.setting_places import ALL_CONFIG_KEYS, PUBLIC_CONFIG_KEYS
from pulumi_rocketmq_migration.settings import (
    endpoint_for_region,
    iam_endpoint,
    proxy_for,
    resolve,
)
from tests.conftest import CLOSED_METADATA, PROJECT_ID
from tests.test_credentials_federation import base_keys, iam_scene

ENV = {
    "HW_ACCESS_KEY": "env-ak",
    "HW_SECRET_KEY": "env-sk",
    "HW_REGION_NAME": "cn-north-4",
    "HW_PROJECT_ID": "env-project",
    "HW_METADATA_ENDPOINT": CLOSED_METADATA,
}


def test_the_environment_alone_is_enough():
    settings = resolve(environ=ENV)
    assert settings.endpoint == "https://dms.cn-north-4.myhuaweicloud.com"
    assert settings.credentials.current().access_key == "env-ak"
    assert settings.project_id == "env-project"
    assert settings.region == "cn-north-4"


def test_arguments_beat_stack_config_beat_the_environment():
    config = {"huaweicloud:region": "ap-southeast-1", "huaweicloud:projectId": "config-project"}
    settings = resolve(explicit={"project_id": "arg-project"}, config=config, environ=ENV)
    assert settings.project_id == "arg-project"
    assert settings.region == "ap-southeast-1"
    assert settings.endpoint == "https://dms.ap-southeast-1.myhuaweicloud.com"
    assert resolve(config=config, environ=ENV).project_id == "config-project"
    # An empty argument is no argument: the next place decides.
    assert resolve(explicit={"project_id": ""}, environ=ENV).project_id == "env-project"


def test_hw_variables_are_read_before_the_sdk_ones_field_by_field():
    env = {
        **ENV,
        "HUAWEICLOUD_SDK_PROJECT_ID": "sdk-project",
        "HUAWEICLOUD_SDK_REGION": "ap-southeast-3",
    }
    settings = resolve(environ=env)
    assert (settings.project_id, settings.region) == ("env-project", "cn-north-4")
    del env["HW_PROJECT_ID"], env["HW_REGION_NAME"]
    settings = resolve(environ=env)
    assert (settings.project_id, settings.region) == ("sdk-project", "ap-southeast-3")


def test_snake_case_stack_config_keys_are_read_too():
    config = {
        "huaweicloud:project_id": "snake-project",
        "huaweicloud:dms_endpoint": "http://127.0.0.1:9",
        "huaweicloud:max_retries": "2",
    }
    settings = resolve(config=config, environ=ENV)
    assert settings.project_id == "snake-project"
    assert settings.endpoint == "http://127.0.0.1:9"
    assert settings.max_retries == 2
    assert {"project_id", "projectId", "shared_config_file", "cloud"} <= set(ALL_CONFIG_KEYS)
    assert not {"accessKey", "secret_key", "security_token"} & set(PUBLIC_CONFIG_KEYS)


def test_project_id_required_lists_every_place_it_looked():
    # With no region either, IAM cannot be asked for the region's project.
    env = {k: v for k, v in ENV.items() if k not in ("HW_PROJECT_ID", "HW_REGION_NAME")}
    with pytest.raises(InvalidRequest) as caught:
        resolve(config={}, environ=env)
    assert caught.value.field == "project_id"
    message = str(caught.value)
    for place in (
        "argument project_id",
        "stack config huaweicloud:projectId/huaweicloud:project_id",
        "$HW_PROJECT_ID",
        "$HUAWEICLOUD_SDK_PROJECT_ID",
        "IAM's projects of the region (no region is set)",
    ):
        assert place in message
    # The CLI reads no stack config: the message does not claim it did.
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=env)
    assert "stack config" not in str(caught.value)


def test_the_plugin_reads_every_key_under_its_own_namespace(tmp_path):
    """The provider plugin's stack config is ``rocketmq-migration:*``; ``huaweicloud:*``
    there is not its config, and every message names the namespace that was read."""
    koocli = tmp_path / "config.json"
    koocli.write_text(
        json.dumps(
            {
                "current": "ci",
                "profiles": [
                    {"name": "ci", "mode": "AKSK", "accessKeyId": "koo-ak", "secretAccessKey": "x"}
                ],
            }
        )
    )
    config = {
        "rocketmq-migration:projectId": "plugin-project",
        "rocketmq-migration:access_key": "plugin-ak",
        "rocketmq-migration:secretKey": "plugin-sk",
        "rocketmq-migration:dmsEndpoint": "http://127.0.0.1:9",
        "huaweicloud:projectId": "not-mine",
    }
    settings = resolve(config=config, environ=ENV, namespace="rocketmq-migration")
    assert settings.project_id == "plugin-project"
    assert settings.endpoint == "http://127.0.0.1:9"
    assert settings.credentials.current().access_key == "plugin-ak"
    source = settings.credentials.current().source
    assert source == "stack config (rocketmq-migration:access_key, rocketmq-migration:secretKey)"
    env = {k: v for k, v in ENV.items() if not k.startswith("HW_ACCESS") and k != "HW_PROJECT_ID"}
    del env["HW_SECRET_KEY"]
    named = {"rocketmq-migration:sharedConfigFile": str(koocli), "rocketmq-migration:profile": "ci"}
    found = resolve(
        explicit={"project_id": "p"}, config=named, environ=env, namespace="rocketmq-migration"
    )
    assert found.credentials.current().access_key == "koo-ak"
    with pytest.raises(InvalidRequest) as caught:
        resolve(  # no region either: IAM cannot be asked for the project
            config={"huaweicloud:projectId": "not-mine"},
            environ={k: v for k, v in env.items() if k != "HW_REGION_NAME"},
            namespace="rocketmq-migration",
        )
    assert "stack config rocketmq-migration:projectId/rocketmq-migration:project_id" in str(
        caught.value
    )
    assert "huaweicloud" not in str(caught.value)


def test_an_explicit_region_beats_an_endpoint_from_the_environment():
    env = {**ENV, "HW_DMS_ENDPOINT": "http://127.0.0.1:9"}
    assert resolve(environ=env).endpoint == "http://127.0.0.1:9"
    settings = resolve(explicit={"region": "ap-southeast-1"}, environ=env)
    assert settings.endpoint == "https://dms.ap-southeast-1.myhuaweicloud.com"
    assert settings.region == "ap-southeast-1"  # the region reported is the one used
    # In one place, an endpoint beats a region: it is the more specific.
    both = resolve(explicit={"region": "ap-southeast-1", "endpoint": "http://[::1]:9"}, environ=ENV)
    assert both.endpoint == "http://[::1]:9"


def test_the_cloud_sets_the_endpoint_domain():
    assert endpoint_for_region("cn-north-4") == "https://dms.cn-north-4.myhuaweicloud.com"
    settings = resolve(environ={**ENV, "HW_CLOUD": "example.cloud"})
    assert settings.endpoint == "https://dms.cn-north-4.example.cloud"
    config = {"huaweicloud:cloud": "other.cloud", "huaweicloud:region": "eu-west-101"}
    assert resolve(config=config, environ=ENV).endpoint == "https://dms.eu-west-101.other.cloud"
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ={**ENV, "HW_CLOUD": "bad_domain/x"})
    assert caught.value.field == "cloud"


@pytest.mark.parametrize(
    ("region", "endpoint"),
    [
        ("cn-north-4", "https://dms.cn-north-4.myhuaweicloud.com"),
        ("eu-west-101", "https://dms.eu-west-101.myhuaweicloud.eu"),
    ],
)
def test_region_endpoints_follow_the_official_sdk(region, endpoint):
    assert endpoint_for_region(region) == endpoint


def test_a_region_longer_than_a_dns_label_is_a_usage_error():
    region = "cn-" + "a" * 61  # 64 characters: one more than a DNS label may have
    with pytest.raises(InvalidRequest) as caught:
        resolve(explicit={"region": region}, environ=ENV)
    assert caught.value.field == "region"
    assert "63" in str(caught.value)
    assert endpoint_for_region("cn-" + "a" * 60).startswith("https://dms.cn-aaa")


@pytest.mark.parametrize(
    ("explicit", "field"),
    [
        ({"endpoint": "http://dms.example.com"}, "endpoint"),
        ({"endpoint": "ftp://127.0.0.1"}, "endpoint"),
        ({"endpoint": "https://127.0.0.1:70000"}, "endpoint"),
        ({"endpoint": "https://127.0.0.1:0"}, "endpoint"),
        ({"endpoint": "https://127.0.0.1:99999999999"}, "endpoint"),
        ({"endpoint": "https://dms.example.com/\x00"}, "endpoint"),
        ({"region": "evil.com/x"}, "region"),
        ({"insecure": "maybe"}, "insecure"),
        ({"max_retries": "lots"}, "max_retries"),
        ({"max_retries": "21"}, "max_retries"),
        ({"project_id": ".."}, "project_id"),
    ],
)
def test_bad_settings_name_the_field(explicit, field):
    with pytest.raises(InvalidRequest) as caught:
        resolve(explicit=explicit, environ=ENV)
    assert caught.value.field == field


def test_an_endpoint_with_a_password_is_refused_without_echoing_it():
    with pytest.raises(InvalidRequest) as caught:
        resolve(explicit={"endpoint": "https://user:hunter2@dms.example.com"}, environ=ENV)
    assert caught.value.field == "endpoint"
    assert "hunter2" not in str(caught.value) and "user:" not in str(caught.value)
    with pytest.raises(InvalidRequest) as caught:
        resolve(explicit={"endpoint": "https://user:hunter2@dms.example.com:99999"}, environ=ENV)
    assert "hunter2" not in str(caught.value)


def test_plain_http_is_allowed_to_loopback_only():
    assert resolve(explicit={"endpoint": "http://127.0.0.1:8080/"}, environ=ENV).endpoint == (
        "http://127.0.0.1:8080"
    )
    assert (
        resolve(explicit={"endpoint": "http://[::1]:1"}, environ=ENV).endpoint == "http://[::1]:1"
    )


# -- TLS -----------------------------------------------------------------------


def test_a_missing_ca_file_is_a_usage_error(tmp_path):
    env = {**ENV, "HW_CACERT_FILE": str(tmp_path / "nope.pem")}
    with pytest.raises(InvalidRequest) as caught:
        resolve(explicit={"endpoint": "https://dms.example.com"}, environ=env)
    assert caught.value.field == "cacertFile" and "no such file" in str(caught.value)


def test_a_ca_file_without_certificates_is_a_usage_error(tmp_path):
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(InvalidRequest) as caught:
        resolve(config={"huaweicloud:cacertFile": str(junk)}, environ=ENV)
    assert caught.value.field == "cacertFile"


def test_a_ca_path_that_is_not_a_file_is_a_usage_error(tmp_path):
    with pytest.raises(InvalidRequest) as caught:
        resolve(config={"huaweicloud:cacertFile": str(tmp_path)}, environ=ENV)
    assert caught.value.field == "cacertFile" and "not a file" in str(caught.value)


def test_a_ca_file_and_insecure_are_taken(tmp_path):
    ca = trustme.CA()
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    assert resolve(environ={**ENV, "HW_CACERT_FILE": str(path)}).ca_bundle == str(path)
    assert resolve(config={"huaweicloud:insecure": "true"}, environ=ENV).insecure is True


# -- proxies -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "endpoint", "proxy"),
    [
        ({}, "https://dms.x.com", None),
        ({"HTTPS_PROXY": "http://p:1"}, "https://dms.x.com", "http://p:1"),
        (
            {"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:1"},
            "https://a.b",
            "http://low:1",
        ),
        ({"HTTP_PROXY": "http://p:1"}, "https://dms.x.com", None),
        ({"http_proxy": "http://p:1"}, "http://127.0.0.1:5", "http://p:1"),
        ({"ALL_PROXY": "http://all:1"}, "https://dms.x.com", "http://all:1"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "x.com"}, "https://dms.x.com", None),
        ({"HTTPS_PROXY": "http://p:1", "no_proxy": ".x.com"}, "https://dms.x.com", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "y.com,*"}, "https://dms.x.com", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "ax.com"}, "https://dms.x.com", "http://p:1"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "127.0.0.0/8"}, "https://127.0.0.1:9", None),
        (
            {"HTTPS_PROXY": "http://p:1", "NO_PROXY": "127.0.0.1:8"},
            "https://127.0.0.1:9",
            "http://p:1",
        ),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "127.0.0.1:9"}, "https://127.0.0.1:9", None),
    ],
)
def test_the_proxy_comes_from_the_environment_as_requests_reads_it(environ, endpoint, proxy):
    assert proxy_for(endpoint, environ) == proxy


def test_secrets_and_the_proxy_password_never_show_in_repr():
    env = {**ENV, "HTTPS_PROXY": "http://me:proxy-pass@127.0.0.1:3128"}
    settings = resolve(environ=env)
    assert settings.proxy == "http://me:proxy-pass@127.0.0.1:3128"
    shown = repr(settings)
    assert "env-sk" not in shown and "env-ak" not in shown and "proxy-pass" not in shown
    assert json.dumps(ENV)  # the fixture itself is plain data


# -- as the CLI meets them: usage errors, exit 2, one line, no traceback --------


@pytest.mark.parametrize(
    ("args", "env", "field"),
    [
        (["--region", "cn-" + "a" * 61], {}, "region"),
        (
            ["--endpoint", "https://dms.example.com"],
            {"HW_CACERT_FILE": "/nonexistent/ca.pem"},
            "cacertFile",
        ),
        (
            ["--endpoint", "http://127.0.0.1:9"],
            {"HW_SECURITY_TOKEN": "tok\u20ac"},
            "security_token",
        ),
        (
            ["--endpoint", "http://127.0.0.1:9"],
            {"HW_AUTH_TOKEN": "t\u00f6k", "HW_ACCESS_KEY": "", "HW_SECRET_KEY": ""},
            "auth_token",
        ),
        (["--endpoint", "https://u:hunter2@dms.example.com"], {}, "endpoint"),
        (["--endpoint", "https://127.0.0.1:65536"], {}, "endpoint"),
    ],
)
def test_the_cli_exits_2_with_one_line_naming_the_field(args, env, field, monkeypatch, capsys):
    from pulumi_rocketmq_migration.cli import main

    for name, value in {**ENV, **env}.items():
        monkeypatch.setenv(name, value)
    code = main(["list", "--instance-id", "i", *args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and "hunter2" not in err
    assert f"error: {field}:" in err


# -- where IAM is --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "region", "cloud", "url"),
    [
        (
            "https://iam.cn-north-4.myhuaweicloud.com:443/v3",
            None,
            None,
            "https://iam.cn-north-4.myhuaweicloud.com:443",
        ),
        (None, "ap-southeast-1", None, "https://iam.ap-southeast-1.myhuaweicloud.com"),
        (None, "eu-west-101", None, "https://iam.eu-west-101.myhuaweicloud.eu"),
        (None, "cn-north-4", "example.cloud", "https://iam.cn-north-4.example.cloud"),
        (None, None, None, "https://iam.myhuaweicloud.com"),
        ("http://127.0.0.1:8/v3/", "cn-north-4", None, "http://127.0.0.1:8"),
    ],
)
def test_the_iam_endpoint(given, region, cloud, url):
    assert iam_endpoint(given, region, cloud, verify=True, environ={}).url == url


def test_the_iam_endpoint_from_each_place_in_order(serve):
    emulator = serve(iam_scene())
    env = {**base_keys(emulator), "HW_AUTH_URL": emulator.base_url + "/v3"}
    env["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = "http://127.0.0.1:1"  # HW_AUTH_URL comes first
    assert resolve(environ=env).project_id == PROJECT_ID
    config = {"huaweicloud:authUrl": emulator.base_url}
    env = {**base_keys(emulator), "HUAWEICLOUD_SDK_IAM_ENDPOINT": "http://127.0.0.1:1"}
    env["HW_ACCESS_KEY"] = "OTHER"  # another identity: not the cached project look-up
    with pytest.raises(AuthError):  # stack config wins: the emulator refuses the key
        resolve(config=config, environ=env)


def test_plain_http_to_iam_only_on_loopback():
    with pytest.raises(InvalidRequest) as caught:
        iam_endpoint("http://iam.example.com/v3", None, None, verify=True, environ={})
    assert caught.value.field == "authUrl" and "loopback" in str(caught.value)
