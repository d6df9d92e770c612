"""Settings word for word: each refusal's message, each place looked at, each default."""

from __future__ import annotations

import json

import pytest
import trustme

from pulumi_rocketmq_migration.errors import InvalidRequest
from pulumi_rocketmq_migration.setting_places import (
    ALL_CONFIG_KEYS,
    PUBLIC_CONFIG_KEYS,
    SECRET_SPELLINGS,
    config_places,
)
from pulumi_rocketmq_migration.settings import (
    Settings,
    check_cloud,
    check_endpoint,
    endpoint_for_region,
    insecure_warning,
    is_loopback,
    proxy_for,
    resolve,
)
from tests.test_settings import ENV  # one environment for both settings test files


def refusal(call, *args, **kwargs) -> tuple[str, str]:
    with pytest.raises(InvalidRequest) as caught:
        call(*args, **kwargs)
    return caught.value.field, caught.value.problem


def test_the_config_key_lists():
    assert ALL_CONFIG_KEYS == (
        "accessKey",
        "access_key",
        "secretKey",
        "secret_key",
        "securityToken",
        "security_token",
        "region",
        "projectId",
        "project_id",
        "dmsEndpoint",
        "dms_endpoint",
        "cloud",
        "cacertFile",
        "cacert_file",
        "insecure",
        "maxRetries",
        "max_retries",
        "sharedConfigFile",
        "shared_config_file",
        "profile",
        "maxConcurrency",
        "max_concurrency",
        "idpId",
        "idp_id",
        "idTokenFile",
        "id_token_file",
        "assumeRole",
        "assume_role",
        "authUrl",
        "auth_url",
    )
    assert SECRET_SPELLINGS == (
        "accessKey",
        "access_key",
        "secretKey",
        "secret_key",
        "securityToken",
        "security_token",
    )
    assert ALL_CONFIG_KEYS[6:] == PUBLIC_CONFIG_KEYS


def test_defaults():
    settings = resolve(environ=ENV)
    assert (settings.max_retries, settings.insecure, settings.ca_bundle, settings.proxy) == (
        4,
        False,
        None,
        None,
    )
    assert (settings.connect_timeout, settings.read_timeout, settings.deadline) == (
        5.0,
        30.0,
        120.0,
    )
    timed = resolve(
        explicit={"connect_timeout": 1.5, "read_timeout": 2.5, "deadline": 3.5}, environ=ENV
    )
    assert (timed.connect_timeout, timed.read_timeout, timed.deadline) == (1.5, 2.5, 3.5)
    assert resolve(explicit={"max_retries": 0}, environ=ENV).max_retries == 0
    assert resolve(environ={**ENV, "HW_MAX_RETRIES": "20"}).max_retries == 20
    assert resolve(config={"huaweicloud:maxRetries": "0"}, environ=ENV).max_retries == 0


def test_os_environ_is_read_when_no_environment_is_given(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HW_PROJECT_ID", "from-os-environ")
    assert resolve().project_id == "from-os-environ"


def test_every_setting_has_its_stack_config_key_in_both_spellings(tmp_path):
    ca = trustme.CA()
    pem = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(pem))
    for spelling in ("camel", "snake"):
        keys = {
            "projectId": "project_id",
            "dmsEndpoint": "dms_endpoint",
            "cacertFile": "cacert_file",
            "maxRetries": "max_retries",
        }
        name = {k: (k if spelling == "camel" else v) for k, v in keys.items()}
        config = {
            f"huaweicloud:{name['projectId']}": "cfg-project",
            f"huaweicloud:{name['dmsEndpoint']}": "http://127.0.0.1:7",
            f"huaweicloud:{name['cacertFile']}": str(pem),
            f"huaweicloud:{name['maxRetries']}": "7",
        }
        settings = resolve(config=config, environ=ENV)
        assert settings.project_id == "cfg-project"
        assert settings.endpoint == "http://127.0.0.1:7"
        assert settings.ca_bundle == str(pem)
        assert settings.max_retries == 7
    # An empty camelCase value falls through to the snake_case one; camelCase wins.
    config = {"huaweicloud:projectId": "", "huaweicloud:project_id": "snake"}
    assert resolve(config=config, environ=ENV).project_id == "snake"
    config = {"huaweicloud:projectId": "camel", "huaweicloud:project_id": "snake"}
    assert resolve(config=config, environ=ENV).project_id == "camel"
    config = {"huaweicloud:region": "ap-southeast-1", "huaweicloud:insecure": "yes"}
    settings = resolve(config=config, environ=ENV)
    assert (settings.region, settings.insecure) == ("ap-southeast-1", True)
    assert resolve(config={"huaweicloud:cloud": "a.b"}, environ=ENV).endpoint == (
        "https://dms.cn-north-4.a.b"
    )


def test_config_places_are_both_spellings_and_none_for_a_setting_without_a_key():
    assert config_places("project_id") == ("huaweicloud:projectId", "huaweicloud:project_id")
    assert config_places("region") == ("huaweicloud:region",)
    assert config_places("auth_token") == ()  # an IAM token comes from the environment only


def test_environment_variables_for_each_setting():
    env = {**ENV, "HW_PROJECT_ID": "", "HUAWEICLOUD_SDK_PROJECT_ID": "sdk-p"}
    assert resolve(environ=env).project_id == "sdk-p"  # an empty HW_* is not set
    env = {**ENV, "HW_REGION_NAME": "", "HUAWEICLOUD_SDK_REGION": "ap-southeast-2"}
    assert resolve(environ=env).region == "ap-southeast-2"
    assert resolve(environ={**ENV, "HW_DMS_ENDPOINT": "http://localhost:5/"}).endpoint == (
        "http://localhost:5"
    )
    assert resolve(environ={**ENV, "HW_INSECURE": "on"}).insecure is True
    assert resolve(environ={**ENV, "HW_MAX_RETRIES": "1"}).max_retries == 1


def koocli_config(directory, **profile):
    """A KooCLI config.json whose current profile, "d", holds ``profile``."""
    path = directory / "config.json"
    path.write_text(json.dumps({"current": "d", "profiles": [{"name": "d", **profile}]}))
    return path


def test_project_id_required_message_word_for_word(tmp_path):
    env = {k: v for k, v in ENV.items() if k not in ("HW_PROJECT_ID", "HW_REGION_NAME")}
    field, message = refusal(resolve, config={}, environ=env)
    assert field == "project_id"
    assert message == (
        "required; looked at argument project_id, "
        "stack config huaweicloud:projectId/huaweicloud:project_id, "
        "$HW_PROJECT_ID, $HUAWEICLOUD_SDK_PROJECT_ID, "
        "and IAM's projects of the region (no region is set)"
    )
    kpath = koocli_config(tmp_path, mode="AKSK")
    spath = tmp_path / "credentials"
    spath.write_text("[basic]\nak = A\nsk = S\n")
    env = {
        **env,
        "HW_SHARED_CONFIG_FILE": str(kpath),
        "HUAWEICLOUD_SDK_CREDENTIALS_FILE": str(spath),
    }
    _, message = refusal(resolve, environ=env)
    assert message == (
        "required; looked at argument project_id, $HW_PROJECT_ID, $HUAWEICLOUD_SDK_PROJECT_ID, "
        f"KooCLI config {kpath} profile 'd' (projectId), "
        f"SDK credentials file {spath} [basic] (project_id), "
        "and IAM's projects of the region (no region is set)"
    )


def test_region_required_message_word_for_word(tmp_path):
    env = {k: v for k, v in ENV.items() if k != "HW_REGION_NAME"}
    field, message = refusal(resolve, config={}, environ=env)
    assert field == "region"
    assert message == (
        "a region or an endpoint is required; looked at argument region, "
        "stack config huaweicloud:region, $HW_REGION_NAME, $HUAWEICLOUD_SDK_REGION; "
        "argument endpoint, stack config huaweicloud:dmsEndpoint/huaweicloud:dms_endpoint, "
        "$HW_DMS_ENDPOINT"
    )
    kpath = koocli_config(tmp_path, projectId="kp")
    _, message = refusal(resolve, environ={**env, "HW_SHARED_CONFIG_FILE": str(kpath)})
    assert message == (
        "a region or an endpoint is required; looked at argument region, "
        f"$HW_REGION_NAME, $HUAWEICLOUD_SDK_REGION, KooCLI config {kpath} profile 'd' (region); "
        "argument endpoint, $HW_DMS_ENDPOINT"
    )


def test_project_id_must_be_printable_ascii():
    assert refusal(resolve, explicit={"project_id": "a b"}, environ=ENV) == (
        "project_id",
        "must be printable ASCII, without spaces",
    )
    assert refusal(resolve, explicit={"project_id": "pr\u00f6ject"}, environ=ENV)[0] == "project_id"
    assert resolve(explicit={"project_id": "!~"}, environ=ENV).project_id == "!~"


# -- regions and clouds --------------------------------------------------------


@pytest.mark.parametrize("region", ["c-north-4", "cn", "CN-north-4", "cn-north-4!", "xcn_north"])
def test_a_bad_region_names_the_grammar(region):
    assert refusal(endpoint_for_region, region) == (
        "region",
        f"{region!r} is not a region name such as cn-north-4 "
        "(lowercase letters, digits and dashes, at most 63 characters)",
    )


def test_a_long_region_is_shortened_in_the_message():
    at_limit = "cn-" + "a" * 67  # 70 characters: shown whole
    assert refusal(endpoint_for_region, at_limit)[1].startswith(f"{at_limit!r} is not")
    long = "cn-" + "a" * 68
    assert refusal(endpoint_for_region, long)[1].startswith(f"{long[:60] + '...'!r} is not")
    assert endpoint_for_region("cn-" + "a" * 60) == f"https://dms.cn-{'a' * 60}.myhuaweicloud.com"


def test_special_regions_apply_to_the_default_cloud_only():
    assert endpoint_for_region("eu-west-101") == "https://dms.eu-west-101.myhuaweicloud.eu"
    assert endpoint_for_region("eu-west-101", "myhuaweicloud.com") == (
        "https://dms.eu-west-101.myhuaweicloud.com"
    )
    assert resolve(explicit={"region": "eu-west-101"}, environ=ENV).endpoint == (
        "https://dms.eu-west-101.myhuaweicloud.eu"
    )


def test_the_cloud_is_normalised_and_checked():
    assert check_cloud("  Example.CLOUD. ") == "example.cloud"
    assert check_cloud("a-1.b2") == "a-1.b2"
    for bad in ("localhost", "-a.com", "a-.com", "a..com", "a_b.com", "a" * 100 + "." + "b" * 100):
        assert refusal(check_cloud, bad) == (
            "cloud",
            f"{bad[:80]!r} is not a domain name such as myhuaweicloud.com",
        )
    longest = ".".join(["b" * 63] * 3 + ["b" * 8])  # 200 characters
    assert check_cloud(longest) == longest
    assert refusal(check_cloud, longest + "b")[1].endswith(
        "is not a domain name such as myhuaweicloud.com"
    )
    assert refusal(check_cloud, "a" * 64 + ".com") == (
        "cloud",
        "a label of the domain is longer than 63 characters",
    )
    assert check_cloud("a" * 63 + ".com") == "a" * 63 + ".com"


# -- endpoints -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("http://[::1", "'<unparseable URL>': not a URL"),
        ("https://127.0.0.1:70000", "'https://127.0.0.1:70000': port out of range 1-65535"),
        ("https://127.0.0.1:0", "'https://127.0.0.1:0': port out of range 1-65535"),
        ("https://u:pw@h.com:99999", "'https://h.com:99999': port out of range 1-65535"),
        ("ftp://127.0.0.1", "'ftp://127.0.0.1' is not an http(s) URL"),
        ("https://", "'https://' is not an http(s) URL"),
        ("dms.example.com", "'dms.example.com' is not an http(s) URL"),
        (
            "https://u:pw@dms.example.com/x",
            "'https://dms.example.com/x': must not carry a user name or password; requests "
            "are signed, and the proxy takes its own from HTTPS_PROXY",
        ),
        ("https://a.com/ b", "'https://a.com/ b': only printable ASCII is allowed"),
        ("https://a.com/\x7f", "'https://a.com/\\x7f': only printable ASCII is allowed"),
        (
            "http://dms.example.com",
            "plain http is allowed only to loopback addresses, not dms.example.com",
        ),
        ("https://a.com/?x=1", "must not carry a query or fragment"),
        ("https://a.com/#x", "must not carry a query or fragment"),
    ],
)
def test_a_bad_endpoint_is_refused_word_for_word(endpoint, message):
    assert refusal(check_endpoint, endpoint) == ("endpoint", message)


def test_a_good_endpoint_loses_its_trailing_slashes():
    assert check_endpoint("https://a.com/!~//") == "https://a.com/!~"
    assert check_endpoint("http://localhost:9") == "http://localhost:9"
    assert check_endpoint("http://127.1.2.3") == "http://127.1.2.3"
    assert check_endpoint("https://a.com/pathX") == "https://a.com/pathX"


def test_an_endpoint_alone_reports_no_region():
    env = {k: v for k, v in ENV.items() if k != "HW_REGION_NAME"}
    settings = resolve(explicit={"endpoint": "http://127.0.0.1:9"}, environ=env)
    assert (settings.endpoint, settings.region) == ("http://127.0.0.1:9", None)


def test_a_long_endpoint_is_cut_in_the_message():
    endpoint = "ftp://a.com/" + "x" * 300
    assert refusal(check_endpoint, endpoint)[1] == f"{endpoint[:200]!r} is not an http(s) URL"


def test_loopback_addresses():
    assert is_loopback("localhost") and is_loopback("127.0.0.9") and is_loopback("[::1]")
    assert not is_loopback("localhost.example") and not is_loopback("10.0.0.1")
    assert not is_loopback("::2")


# -- TLS -----------------------------------------------------------------------


def test_ca_file_messages_word_for_word(tmp_path):
    missing = tmp_path / "nope.pem"
    assert refusal(resolve, environ={**ENV, "HW_CACERT_FILE": str(missing)}) == (
        "cacertFile",
        f"{missing}: no such file (a PEM file of CA certificates)",
    )
    assert refusal(resolve, environ={**ENV, "HW_CACERT_FILE": str(tmp_path)}) == (
        "cacertFile",
        f"{tmp_path}: not a file (a PEM file of CA certificates)",
    )
    junk = tmp_path / "junk.pem"
    junk.write_text("junk")
    assert refusal(resolve, environ={**ENV, "HW_CACERT_FILE": str(junk)}) == (
        "cacertFile",
        f"{junk}: holds no PEM CA certificate",
    )


def test_insecure_skips_the_ca_file_check(tmp_path):
    missing = str(tmp_path / "nope.pem")
    settings = resolve(explicit={"insecure": True, "ca_bundle": missing}, environ=ENV)
    assert (settings.insecure, settings.ca_bundle) == (True, missing)
    assert insecure_warning(settings) == (
        "TLS verification is off (insecure) for https://dms.cn-north-4.myhuaweicloud.com: "
        "anyone on the path can read and change the answers; set cacertFile instead"
    )


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        ("1", True), ("true", True), (" TRUE ", True), ("yes", True), ("on", True),
        ("0", False), ("false", False), ("No", False), ("off", False), (False, False),
    ],
)  # fmt: skip
def test_insecure_flags(value, flag):
    assert resolve(explicit={"insecure": value}, environ=ENV).insecure is flag


def test_a_bad_flag_or_count_is_refused_word_for_word():
    assert refusal(resolve, explicit={"insecure": "maybe" * 20}, environ=ENV) == (
        "insecure",
        f"{('maybe' * 20)[:40]!r} is not a boolean (true or false)",
    )
    assert refusal(resolve, explicit={"max_retries": "x" * 50}, environ=ENV) == (
        "max_retries",
        f"{'x' * 40!r} is not a whole number",
    )
    assert refusal(resolve, explicit={"max_retries": [1]}, environ=ENV) == (
        "max_retries",
        "'[1]' is not a whole number",
    )
    assert refusal(resolve, explicit={"max_retries": 21}, environ=ENV) == (
        "max_retries",
        "must be between 0 and 20, got 21",
    )
    assert refusal(resolve, explicit={"max_retries": -1}, environ=ENV) == (
        "max_retries",
        "must be between 0 and 20, got -1",
    )


@pytest.mark.parametrize(
    ("config", "environ", "namespace", "place"),
    [
        ({"huaweicloud:maxRetries": "lots"}, {}, "huaweicloud", "huaweicloud:maxRetries"),
        ({"huaweicloud:max_retries": "lots"}, {}, "huaweicloud", "huaweicloud:max_retries"),
        (
            {"rocketmq-migration:maxRetries": "lots"},
            {},
            "rocketmq-migration",
            "rocketmq-migration:maxRetries",
        ),
        ({}, {"HW_MAX_RETRIES": "lots"}, "huaweicloud", "$HW_MAX_RETRIES"),
        # stack config outranks the environment, so it is the place to mend
        (
            {"huaweicloud:maxRetries": "lots"},
            {"HW_MAX_RETRIES": "2"},
            "huaweicloud",
            "huaweicloud:maxRetries",
        ),
    ],
)  # fmt: skip
def test_a_bad_value_names_the_place_it_was_written(config, environ, namespace, place):
    assert refusal(resolve, config=config, environ={**ENV, **environ}, namespace=namespace) == (
        place,
        "'lots' is not a whole number",
    )


def test_a_bad_flag_or_endpoint_names_its_variable():
    assert refusal(resolve, environ={**ENV, "HW_INSECURE": "maybe"}) == (
        "$HW_INSECURE",
        "'maybe' is not a boolean (true or false)",
    )
    field, problem = refusal(resolve, environ={**ENV, "HW_DMS_ENDPOINT": "http://dms.example"})
    assert field == "$HW_DMS_ENDPOINT" and "http" in problem


# -- proxies -------------------------------------------------------------------

PROXY = {"HTTPS_PROXY": "http://p:1"}


@pytest.mark.parametrize(
    ("environ", "endpoint", "proxy"),
    [
        ({"HTTPS_PROXY": "  "}, "https://a.com", None),
        ({"HTTPS_PROXY": " http://p:1 "}, "https://a.com", "http://p:1"),
        ({"https_proxy": " ", "HTTPS_PROXY": "http://up:1"}, "https://a.com", None),
        ({"all_proxy": "http://all:1", "HTTPS_PROXY": "http://p:1"}, "https://a.com", "http://p:1"),
        ({**PROXY, "NO_PROXY": "b.com A.COM"}, "https://dms.a.com", None),
        ({**PROXY, "NO_PROXY": ",,a.com"}, "https://a.com", None),
        ({**PROXY, "NO_PROXY": "a.com"}, "https://DMS.A.COM", None),
        ({**PROXY, "NO_PROXY": "a.com:443"}, "https://a.com:443", None),
        ({**PROXY, "NO_PROXY": "a.com:444"}, "https://a.com:443", "http://p:1"),
        ({**PROXY, "NO_PROXY": "10.0.0.0/8"}, "https://127.0.0.1", "http://p:1"),
        ({**PROXY, "NO_PROXY": "127.0.0.1"}, "https://127.0.0.1", None),
        ({**PROXY, "NO_PROXY": "::1"}, "https://[::1]:5", None),
        ({**PROXY, "NO_PROXY": "[::1]"}, "https://[::1]:5", None),
        ({**PROXY, "NO_PROXY": "127.0.0.1"}, "https://localhost", "http://p:1"),
        ({**PROXY, "NO_PROXY": "*.a.com"}, "https://a.com", "http://p:1"),
        ({**PROXY, "NO_PROXY": ""}, "https://a.com", "http://p:1"),
        ({**PROXY, "NO_PROXY": "127.0.0.2,127.0.0.1"}, "https://127.0.0.1", None),
        ({**PROXY, "NO_PROXY": "com"}, "https://a.com", None),
        ({**PROXY, "NO_PROXY": "om"}, "https://a.com", "http://p:1"),
        ({**PROXY, "NO_PROXY": "a.com:444,a.com"}, "https://a.com:443", None),
        ({**PROXY, "NO_PROXY": "127.0.0.1/8"}, "https://127.0.0.5", None),
    ],
)
def test_proxy_choice_and_no_proxy_entries(environ, endpoint, proxy):
    assert proxy_for(endpoint, environ) == proxy


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"HTTPS_PROXY": "http://"}, "$HTTPS_PROXY: 'http://' is not"),
        (
            {"https_proxy": "socks5://127.0.0.1:1080"},
            "$https_proxy: 'socks5://127.0.0.1:1080' is not",
        ),
        ({"ALL_PROXY": "ftp://p:1"}, "$ALL_PROXY: 'ftp://p:1' is not"),
        ({"HTTPS_PROXY": "http://p:99999"}, "$HTTPS_PROXY: 'http://p:99999' is not"),
        ({"HTTPS_PROXY": "http://p:0"}, "$HTTPS_PROXY: 'http://p:0' is not"),
        ({"HTTPS_PROXY": "http://[::1"}, "$HTTPS_PROXY: '<unparseable URL>' is not"),
        ({"HTTPS_PROXY": "http://p\u00e9:1"}, "$HTTPS_PROXY: 'http://p\u00e9:1' is not"),
        ({"HTTPS_PROXY": "http://me:s3cret@:1"}, "$HTTPS_PROXY: 'http://:1' is not"),
        ({"HTTPS_PROXY": "http://p\x7f:1"}, "$HTTPS_PROXY: 'http://p\\x7f:1' is not"),
    ],
)
def test_a_proxy_requests_cannot_use_is_refused_naming_the_variable(environ, message):
    with pytest.raises(InvalidRequest) as caught:
        proxy_for("https://a.com", environ)
    assert str(caught.value) == message + " an http:// or https:// proxy URL with a host"
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    "proxy", ["127.0.0.1:3128", "https://p:1", "HTTP://P:1", "http://u:p@h:1", "http://a!b~:p@h:1"]
)
def test_a_usable_proxy_is_kept_as_given(proxy):
    assert proxy_for("https://a.com", {"HTTPS_PROXY": proxy}) == proxy


def test_the_proxy_is_chosen_for_the_resolved_endpoint():
    env = {**ENV, "HTTPS_PROXY": "http://p:1", "NO_PROXY": "dms.cn-north-4.myhuaweicloud.com"}
    assert resolve(environ=env).proxy is None
    assert resolve(environ={**ENV, "HTTPS_PROXY": "http://p:1"}).proxy == "http://p:1"


def test_settings_is_a_frozen_value():
    settings = resolve(environ=ENV)
    with pytest.raises(AttributeError):
        settings.endpoint = "x"  # type: ignore[misc]
    assert isinstance(settings, Settings)
