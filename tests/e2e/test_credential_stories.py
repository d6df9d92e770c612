"""Users' stories of signing in, one per credential source, under the real pulumi CLI.

In each one the preview reads live from the emulator, and no key or token appears in
clear in any output, in `pulumi stack export` (without --show-secrets), or in any file
of the state backend, Pulumi home or project directory.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import EXAMPLES_DIR, PulumiProject

import pulumi_rocketmq_migration.emulator as emulator_package
from pulumi_rocketmq_migration.emulator import Emulator, MetadataService, Scenario, TemporaryKeys

pytestmark = pytest.mark.e2e

ACCESS_KEY = "AKSTORYACCESSKEY0001"
SECRET_KEY = "StorySecretKeyMustNeverLeak0000000000001"
PROJECT_ID = "story-project"
INSTANCE = "8f1c2d3e-4b5a-4c6d-9e7f-0a1b2c3d4e5f"
TASK = "6cf4dcd3-8471-4139-8b5b-8a3a71f704c7"


# What a test keeps of the outer environment: the loopback addresses conftest set.
KEPT = ("HW_METADATA_ENDPOINT", "HUAWEICLOUD_SDK_IAM_ENDPOINT")


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator(
        Scenario.demo(), access_key=ACCESS_KEY, secret_key=SECRET_KEY, project_id=PROJECT_ID
    ) as running:
        yield running


@pytest.fixture
def pulumi_project(pulumi_project: PulumiProject) -> PulumiProject:
    """The harness's project, with no credentials of the outer environment."""
    for name in list(pulumi_project.env):
        if name.startswith(("HW_", "HUAWEICLOUD_")) and name not in KEPT:
            del pulumi_project.env[name]
    return pulumi_project


def assert_nothing_in_clear(project: PulumiProject, *texts: str, secrets: tuple[str, ...]) -> None:
    stored = project.export_as_stored()
    on_disk = project.files_on_disk()
    for secret in secrets:
        for text in (*texts, stored, on_disk):
            assert secret not in text


def readme_commands(example: str) -> list[list[str]]:
    """The `pulumi ...` lines of an example's README, in order, as argv lists."""
    text = (EXAMPLES_DIR / example / "README.md").read_text()
    lines = [line.strip() for line in text.splitlines() if line.startswith("    pulumi ")]
    return [
        shlex.split(re.sub(r"<([^>]+)>", lambda m: f"<{m[1].replace(' ', '_')}>", line))
        for line in lines
    ]


def test_the_quickstart_readme_word_for_word_with_keys_in_stack_config(pulumi_project, emulator):
    """The README's steps, as written, with secrets in stack config and none in the env."""
    project = pulumi_project
    project.copy_example("quickstart")
    values = {
        "<instance_id>": INSTANCE,
        "<task_id>": TASK,
        "<project_id>": PROJECT_ID,
        "<AK>": ACCESS_KEY,
        "<SK>": SECRET_KEY,
        "<emulator_URL>": emulator.base_url,
    }
    commands = [[values.get(word, word) for word in argv] for argv in readme_commands("quickstart")]
    assert [argv[:3] for argv in commands][-2:] == [
        ["pulumi", "preview"],
        ["pulumi", "config", "set"],
    ], "the README: config steps, preview, then the emulator's extra step"
    emulator_step = commands.pop()
    preview_step = commands.pop()
    assert not any("<" in word for argv in commands for word in argv)
    outputs = []
    for argv in [*commands, emulator_step]:
        result = project.run(*argv[1:])
        assert result.returncode == 0, result.stderr
        outputs += [result.stdout, result.stderr]
    preview = project.run(*preview_step[1:])
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "task-rabbit-orders" in preview.stdout, "the preview read the task live"
    assert {r.method for r in emulator.requests} == {"GET"}
    assert all(r.status == 200 for r in emulator.requests)

    up = project.up()
    assert project.outputs()["status"] == "finished"
    stored = project.export_as_stored()
    provider = next(
        r
        for r in json.loads(stored)["deployment"]["resources"]
        if r["type"] == "pulumi:providers:pulumi-python"
    )
    # The keys are in the provider's inputs, as ciphertext only.
    assert "huaweicloud:secretKey" in json.dumps(provider["inputs"])
    assert "ciphertext" in json.dumps(provider["inputs"]["huaweicloud:secretKey"])
    assert_nothing_in_clear(
        project,
        *outputs,
        preview.stdout,
        preview.stderr,
        up.stdout,
        up.stderr,
        secrets=(SECRET_KEY, ACCESS_KEY),
    )


def test_keys_from_the_environment_leave_no_trace_in_the_state(pulumi_project, emulator):
    project = pulumi_project
    project.copy_example("quickstart")
    project.env.update(HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY)
    project.config_set("huaweicloud:dmsEndpoint", emulator.base_url)
    project.config_set("huaweicloud:projectId", PROJECT_ID)
    preview = project.preview()
    assert "task-rabbit-orders" in preview.stdout
    up = project.up()
    stored = project.export_as_stored()
    assert "huaweicloud:accessKey" not in stored and "ciphertext" not in stored
    assert_nothing_in_clear(
        project,
        preview.stdout,
        preview.stderr,
        up.stdout,
        up.stderr,
        secrets=(SECRET_KEY, ACCESS_KEY),
    )


def test_a_koocli_file_with_a_named_profile(pulumi_project, emulator, tmp_path: Path):
    config = tmp_path / "hcloud" / "config.json"
    config.parent.mkdir()
    config.write_text(
        json.dumps(
            {
                "current": "default",
                "profiles": [
                    {
                        "name": "default",
                        "mode": "AKSK",
                        "accessKeyId": "WRONG",
                        "secretAccessKey": "X",
                    },
                    {
                        "name": "migration",
                        "mode": "AKSK",
                        "accessKeyId": ACCESS_KEY,
                        "secretAccessKey": SECRET_KEY,
                        "region": "cn-north-4",
                        "projectId": PROJECT_ID,
                    },
                ],
            }
        )
    )
    project = pulumi_project
    project.copy_example("quickstart")
    project.config_set("huaweicloud:sharedConfigFile", str(config))
    project.config_set("huaweicloud:profile", "migration")
    project.config_set("huaweicloud:dmsEndpoint", emulator.base_url)
    preview = project.preview()
    assert "task-rabbit-orders" in preview.stdout
    up = project.up()
    assert project.outputs()["status"] == "finished"
    assert all(r.status == 200 for r in emulator.requests)
    assert_nothing_in_clear(
        project, preview.stdout, preview.stderr, up.stdout, up.stderr, secrets=(SECRET_KEY,)
    )


def test_the_sdk_credentials_file(pulumi_project, emulator, tmp_path: Path):
    home = tmp_path / "home"
    (home / ".huaweicloud").mkdir(parents=True)
    (home / ".huaweicloud" / "credentials").write_text(
        f"[basic]\nak = {ACCESS_KEY}\nsk = {SECRET_KEY}\nproject_id = {PROJECT_ID}\n"
    )
    project = pulumi_project
    project.env["HOME"] = str(home)
    project.copy_example("quickstart")
    project.config_set("huaweicloud:dmsEndpoint", emulator.base_url)
    preview = project.preview()
    assert "task-rabbit-orders" in preview.stdout
    up = project.up()
    assert project.outputs()["status"] == "finished"
    assert_nothing_in_clear(
        project, preview.stdout, preview.stderr, up.stdout, up.stderr, secrets=(SECRET_KEY,)
    )


LIVE = "d41f0c6a-7e2b-4a9d-b3c5-1f2e3d4c5b6a"


def test_metadata_keys_refresh_during_a_wait_that_outlives_them(pulumi_project):
    """On ECS with an agency: no keys anywhere; the wait outlives the first temporary keys."""
    base = json.loads((Path(emulator_package.__file__).parent / "demo.json").read_text())
    for entry in base["instances"][0]["tasks"]:
        if entry["id"] == LIVE:
            entry.pop("status", None)
            entry["timeline"] = [
                {"status": "creating"},
                {"status": "starting", "after_reads": 2},
                {"status": "finished", "after_reads": 24},
            ]
    metadata = MetadataService(TemporaryKeys(lifetime=3.0), require_token=True)
    with Emulator(
        Scenario.from_dict(base),
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        project_id=PROJECT_ID,
        metadata=metadata,
    ) as emulator:
        project = pulumi_project
        project.env["HW_METADATA_ENDPOINT"] = metadata.url
        project.copy_example("gate")
        project.config_set("huaweicloud:dmsEndpoint", emulator.base_url)
        project.config_set("huaweicloud:projectId", PROJECT_ID)
        project.config_set("rocketmq-migration-gate:pollInterval", "1s")
        preview = project.preview()
        assert "creating" in preview.stdout, "the preview read the task live"
        started = time.monotonic()
        up = project.up()
        waited = time.monotonic() - started
        assert project.outputs()["migration_status"] == "finished"
        assert waited > metadata.keys.lifetime, "the wait outlived the first keys"
        issued = metadata.keys.issued
        assert len(issued) >= 3, "the provider fetched fresh keys during the wait"
        # Every read verified, though the first keys of the update's provider expired
        # mid-wait: the emulator refuses expired keys, so they were refreshed in time.
        assert emulator.requests and all(r.status == 200 for r in emulator.requests)
        assert ("PUT", "/meta-data/latest/api/token") in metadata.requests
        secrets = tuple(s for key in issued for s in (key.secret_key, key.security_token))
        assert_nothing_in_clear(
            project, preview.stdout, preview.stderr, up.stdout, up.stderr, secrets=secrets
        )


# -- keyless: federation, agencies, the project id from the region --------------------

IDP = "github-actions"
ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.story-id-token-never-stored.c2lnbmF0dXJl"
AGENCY, DOMAIN = "dms-reader", "acme"
EXCHANGES = ("/v3.0/OS-AUTH/id-token/tokens", "/v3.0/OS-CREDENTIAL/securitytokens")


@pytest.fixture
def iam_emulator() -> Iterator[Emulator]:
    """The demo scenario, with an identity provider, an agency and the region's project."""
    base = json.loads((Path(emulator_package.__file__).parent / "demo.json").read_text())
    base["iam"] = {
        "identity_providers": [{"id": IDP, "id_tokens": [ID_TOKEN]}],
        "agencies": [{"name": AGENCY, "domain_name": DOMAIN, "domain_id": "d-acme-0001"}],
        "projects": [{"id": PROJECT_ID, "region": "cn-north-4"}],
    }
    with Emulator(
        Scenario.from_dict(base),
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        project_id=PROJECT_ID,
    ) as running:
        yield running


def keyless_secrets(emulator: Emulator) -> tuple[str, ...]:
    """Every token and temporary secret the emulator's IAM handed out, and the id token."""
    issued = emulator.credentials.temporary.issued if emulator.credentials.temporary else []
    temporary = tuple(s for key in issued for s in (key.secret_key, key.security_token))
    return (ID_TOKEN, SECRET_KEY, *emulator.iam.unscoped_tokens, *temporary)


def only_allowed_requests(emulator: Emulator) -> list[str]:
    """DMS got GET only, the only other requests being IAM's two exchanges; the principals
    DMS saw."""
    for record in emulator.requests:
        assert record.method == "GET" or record.path in EXCHANGES, record
    dms = [r for r in emulator.requests if r.path.startswith("/v2/")]
    assert dms and all(r.method == "GET" and r.status == 200 for r in dms)
    return sorted({r.principal or "" for r in dms})


def test_a_pipeline_with_an_oidc_token_file_and_no_key_nor_project_id(
    pulumi_project, iam_emulator, tmp_path: Path
):
    """GitHub Actions: the job's id token in a file, the idp id and the region; nothing else."""
    token_file = tmp_path / "oidc" / "token"
    token_file.parent.mkdir()
    token_file.write_text(ID_TOKEN)
    project = pulumi_project
    project.copy_example("quickstart")
    project.env.update(
        HUAWEICLOUD_SDK_IDP_ID=IDP,
        HUAWEICLOUD_SDK_ID_TOKEN_FILE=str(token_file),
        HUAWEICLOUD_SDK_IAM_ENDPOINT=iam_emulator.base_url,
    )
    project.config_set("huaweicloud:region", "cn-north-4")
    project.config_set("huaweicloud:dmsEndpoint", iam_emulator.base_url)
    preview = project.preview()
    assert "task-rabbit-orders" in preview.stdout
    up = project.up()
    assert project.outputs()["status"] == "finished"
    assert only_allowed_requests(iam_emulator) == [f"federated {IDP}"]
    assert ("GET", "/v3/projects", 200) in [
        (r.method, r.path, r.status) for r in iam_emulator.requests
    ]
    assert_nothing_in_clear(
        project,
        preview.stdout,
        preview.stderr,
        up.stdout,
        up.stderr,
        secrets=keyless_secrets(iam_emulator),
    )


def test_an_agency_assumed_from_stack_config_over_keys_from_the_environment(
    pulumi_project, iam_emulator
):
    project = pulumi_project
    project.copy_example("quickstart")
    project.env.update(HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY)
    project.env["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = iam_emulator.base_url
    project.config_set("huaweicloud:dmsEndpoint", iam_emulator.base_url)
    project.config_set("huaweicloud:projectId", PROJECT_ID)
    for key, value in (("agencyName", AGENCY), ("domainName", DOMAIN), ("duration", "900")):
        project.run("config", "set", "--path", f"huaweicloud:assumeRole.{key}", value)
    up = project.up()
    assert project.outputs()["status"] == "finished"
    assert only_allowed_requests(iam_emulator) == [f"agency {DOMAIN}/{AGENCY}"]
    assumed = [r for r in iam_emulator.requests if r.path == EXCHANGES[1]]
    assert assumed and {r.principal for r in assumed} == {"permanent"}
    assert_nothing_in_clear(
        project, up.stdout, up.stderr, secrets=(ACCESS_KEY, *keyless_secrets(iam_emulator))
    )


def test_the_project_id_found_from_the_region_with_iam_at_auth_url(pulumi_project, iam_emulator):
    project = pulumi_project
    project.copy_example("quickstart")
    project.env.update(HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY=SECRET_KEY)
    project.config_set("huaweicloud:region", "cn-north-4")
    project.config_set("huaweicloud:dmsEndpoint", iam_emulator.base_url)
    project.config_set("huaweicloud:authUrl", iam_emulator.base_url + "/v3")
    preview = project.preview()
    assert "task-rabbit-orders" in preview.stdout
    up = project.up()
    assert project.outputs()["status"] == "finished"
    assert only_allowed_requests(iam_emulator) == ["permanent"]
    assert not any(r.path in EXCHANGES for r in iam_emulator.requests)
    projects = [r for r in iam_emulator.requests if r.path == "/v3/projects"]
    assert projects and all(r.status == 200 for r in projects)
    # One look-up per process: the preview's and the update's providers, at most a few.
    assert len(projects) <= 4
    assert_nothing_in_clear(
        project, preview.stdout, preview.stderr, up.stdout, up.stderr, secrets=(SECRET_KEY,)
    )
