"""Assume role (credentials/agency.py): DMS sees only the agency's keys; refusals name the
agency and domain."""

from __future__ import annotations

import json

import pytest

from pulumi_rocketmq_migration.errors import AuthError, InvalidRequest
from pulumi_rocketmq_migration.settings import resolve
from tests.conftest import SECRET_KEY
from tests.test_credentials_federation import (
    AGENCY,
    DOMAIN,
    DOMAIN_ID,
    EXCHANGES,
    IDP,
    base_keys,
    federated,
    iam_scene,
    only_allowed_methods,
    read_all,
)

# -- assume role -------------------------------------------------------------------


@pytest.mark.parametrize(
    "agency",
    [
        {"HW_ASSUME_ROLE_AGENCY_NAME": AGENCY, "HW_ASSUME_ROLE_DOMAIN_NAME": DOMAIN},
        {"HW_ASSUME_ROLE_AGENCY_NAME": AGENCY, "HW_ASSUME_ROLE_DOMAIN_ID": DOMAIN_ID},
    ],
)
def test_dms_sees_only_the_agency_keys(serve, agency):
    emulator = serve(iam_scene())
    settings = resolve(environ=base_keys(emulator, **agency))
    assert read_all(settings) == ["orders-sync"]
    assert settings.credentials.source.startswith(f"agency {AGENCY} of domain")
    only_allowed_methods(emulator)
    dms = [r for r in emulator.requests if r.path.startswith("/v2/")]
    assert {r.principal for r in dms} == {f"agency {DOMAIN}/{AGENCY}"}
    # The agency's keys find the project too: the base keys sign only the assume call.
    projects = [r for r in emulator.requests if r.path == "/v3/projects"]
    assert [r.principal for r in projects] == [f"agency {DOMAIN}/{AGENCY}"]


def test_assume_role_over_federation_and_from_stack_config(serve, token_file):
    emulator = serve(iam_scene())
    role = {"agencyName": AGENCY, "domainName": DOMAIN, "duration": 900}
    config = {"huaweicloud:assumeRole": json.dumps(role)}
    settings = resolve(config=config, environ=federated(emulator, token_file))
    assert read_all(settings) == ["orders-sync"]
    assumed = [r for r in emulator.requests if r.path == EXCHANGES[1]][-1]
    assert assumed.principal == f"federated {IDP}"  # the base signed the assume call
    only_allowed_methods(emulator)


def test_a_refused_agency_names_agency_and_domain(serve):
    emulator = serve(iam_scene())
    env = base_keys(emulator, HW_ASSUME_ROLE_AGENCY_NAME="admin", HW_ASSUME_ROLE_DOMAIN_NAME=DOMAIN)
    with pytest.raises(AuthError) as caught:
        resolve(environ=env)
    assert "agency admin of domain acme" in str(caught.value) and caught.value.status == 403
    assert SECRET_KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("agency", "words"),
    [
        ({"HW_ASSUME_ROLE_AGENCY_NAME": AGENCY}, "lacks domainName or domainId"),
        ({"HW_ASSUME_ROLE_DOMAIN_NAME": DOMAIN}, "lacks agencyName"),
        (
            {
                "HW_ASSUME_ROLE_AGENCY_NAME": AGENCY,
                "HW_ASSUME_ROLE_DOMAIN_NAME": DOMAIN,
                "HW_ASSUME_ROLE_DURATION": "60",
            },
            "duration must be whole seconds from 900",
        ),
    ],
)
def test_an_incomplete_agency_is_a_usage_error(serve, agency, words):
    emulator = serve(iam_scene())
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=base_keys(emulator, **agency))
    assert words in str(caught.value) and "$HW_ASSUME_ROLE_*" in str(caught.value)
    assert emulator.requests == []


def test_a_stack_config_agency_must_be_an_object(serve):
    emulator = serve(iam_scene())
    with pytest.raises(InvalidRequest, match="must be an object"):
        resolve(config={"huaweicloud:assumeRole": "dms-reader"}, environ=base_keys(emulator))
