"""KooCLI's config.json (credentials/koocli.py): a named profile's keys, region and project."""

from __future__ import annotations

import pytest

from pulumi_rocketmq_migration.credentials.koocli import load_koocli_profile
from pulumi_rocketmq_migration.errors import (
    CredentialsNotFound,
    InvalidRequest,
)
from pulumi_rocketmq_migration.settings import resolve
from tests.conftest import CLOSED_METADATA
from tests.test_credentials_chain import WHERE, keys, koocli
from tests.test_credentials_static import NO_METADATA, found, refusal, write

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


# -- KooCLI --------------------------------------------------------------------


def profile(**entry):
    return {"name": "d", "accessKeyId": "KAK", "secretAccessKey": "KSK", **entry}


def test_koocli_file_errors_word_for_word(tmp_path):
    absent = tmp_path / "absent.json"
    assert refusal(load_koocli_profile, absent, None) == (
        "sharedConfigFile",
        f"KooCLI config {absent} does not exist (profile 'current')",
    )
    assert refusal(load_koocli_profile, tmp_path, "x") == (
        "sharedConfigFile",
        f"cannot read KooCLI config {tmp_path}: IsADirectoryError",
    )
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{")
    assert refusal(load_koocli_profile, binary, "x") == (
        "sharedConfigFile",
        f"cannot read KooCLI config {binary}: UnicodeDecodeError",
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{\n"profiles": [\n{"accessKeyId": "SECRET",')
    assert refusal(load_koocli_profile, broken, "x") == (
        "sharedConfigFile",
        f"KooCLI config {broken} is not JSON (line 3)",
    )
    for document in ([], {"profiles": {}}):
        path = write(tmp_path / "odd.json", document)
        assert refusal(load_koocli_profile, path, "x") == (
            "sharedConfigFile",
            f"KooCLI config {path} has no profiles list",
        )
    for document in ({"profiles": [profile()]}, {"current": "", "profiles": [profile()]}):
        path = write(tmp_path / "nocurrent.json", document)
        assert refusal(load_koocli_profile, path, None) == (
            "profile",
            f"KooCLI config {path} names no current profile; set huaweicloud:profile or HW_PROFILE",
        )
    path = write(tmp_path / "other.json", {"profiles": [profile(), "junk", profile(name="e")]})
    assert refusal(load_koocli_profile, path, "x") == (
        "profile",
        f"KooCLI config {path} has no profile 'x' (it has: d, e)",
    )
    path = write(tmp_path / "none.json", {"current": "x"})
    assert refusal(load_koocli_profile, path, None) == (
        "profile",
        f"KooCLI config {path} has no profile 'x' (it has: none)",
    )


def test_a_koocli_profile_is_read_field_by_field(tmp_path):
    entry = profile(
        mode=" AKSK ", securityToken=" T ", region=" cn-north-4 ", projectId=42, accessKeyId=" KAK "
    )
    path = write(tmp_path / "c.json", {"current": "d", "profiles": ["junk", entry]})
    loaded = load_koocli_profile(path, None)
    assert (loaded.name, loaded.mode, loaded.access_key, loaded.secret_key) == (
        "d",
        "AKSK",
        "KAK",
        "KSK",
    )
    assert (loaded.security_token, loaded.region, loaded.project_id) == ("T", "cn-north-4", "")
    assert loaded.encrypted is False
    assert loaded.place == f"KooCLI config {path} profile 'd'"
    creds = found(environ={**NO_METADATA, "HW_SHARED_CONFIG_FILE": str(path)})
    assert creds.source == (
        f"KooCLI config {path} profile 'd' (accessKeyId, secretAccessKey, securityToken)"
    )


def test_the_koocli_file_is_named_by_config_or_environment_with_a_home(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / "k.json", {"current": "d", "profiles": [profile()]})
    other = write(tmp_path / "o.json", {"current": "d", "profiles": [profile(accessKeyId="O")]})
    env = {**NO_METADATA, "HW_SHARED_CONFIG_FILE": str(other)}
    assert found(config={"huaweicloud:sharedConfigFile": "~/k.json"}, environ=env).access_key == (
        "KAK"
    )
    assert found(config={"huaweicloud:shared_config_file": "~/k.json"}, environ=env).access_key == (
        "KAK"
    )
    assert found(config={"huaweicloud:sharedConfigFile": ""}, environ=env).access_key == "O"
    env = {**NO_METADATA, "HW_SHARED_CONFIG_FILE": "~/k.json", "HW_PROFILE": ""}
    assert found(environ=env).access_key == "KAK"


def test_a_koocli_profile_without_keys_says_so(tmp_path):
    path = write(tmp_path / "c.json", {"current": "d", "profiles": [{"name": "d"}]})
    with pytest.raises(CredentialsNotFound) as caught:
        resolve(environ={**NO_METADATA, "HW_SHARED_CONFIG_FILE": str(path)})
    assert caught.value.looked_at[-1] == (
        f"KooCLI config {path} profile 'd' (no accessKeyId/secretAccessKey)"
    )
    path = write(tmp_path / "c.json", {"current": "d", "profiles": [profile(secretAccessKey="")]})
    env = {**NO_METADATA, "HW_SHARED_CONFIG_FILE": str(path)}
    assert refusal(resolve, environ=env)[1].startswith(
        f"KooCLI config {path} profile 'd' has accessKeyId but not secret_key;"
    )


@pytest.mark.parametrize(
    ("top", "entry", "encrypted"),
    [
        ({}, {"authEncrypt": "1"}, True),
        ({}, {"authEncrypt": "yes"}, True),
        ({}, {"authEncrypt": " TRUE "}, True),
        ({"cliAuthEncrypt": "true"}, {}, True),
        ({"authEncrypt": "true"}, {"authEncrypt": "false"}, False),
        ({}, {"authEncrypt": "false", "accessKeyId": "a+" * 21}, False),
        ({}, {"accessKeyId": "a+" * 21}, True),
        ({}, {"secretAccessKey": "a/" * 21}, True),
        ({}, {"secretAccessKey": "a=" * 21}, True),
        ({}, {"secretAccessKey": "a=" * 20}, False),
        ({}, {"secretAccessKey": "a" * 60}, False),
        ({}, {"secretAccessKey": "AKX" + "X" * 40}, False),
        ({}, {"secretAccessKey": "a=" * 20 + "a"}, True),
        ({}, {"secretAccessKey": 5}, False),
    ],
)
def test_encrypted_profiles(tmp_path, top, entry, encrypted):
    path = write(tmp_path / "c.json", {"current": "d", "profiles": [profile(**entry)], **top})
    assert load_koocli_profile(path, None).encrypted is encrypted
    if encrypted:
        assert refusal(resolve, environ={**NO_METADATA, "HW_SHARED_CONFIG_FILE": str(path)}) == (
            "sharedConfigFile",
            f"KooCLI config {path} profile 'd' stores its keys encrypted, which only KooCLI can "
            "read; store them unencrypted with `hcloud configure set --cli-auth-encrypt=false`, "
            "or use another source",
        )
