"""Assume role (credentials/agency.py): DMS sees only the agency's keys; refusals name the
agency and domain."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

from pulumi_rocketmq_migration.credentials.agency import agency_to_assume
from pulumi_rocketmq_migration.credentials.iam import Agency
from pulumi_rocketmq_migration.credentials.places import Places
from pulumi_rocketmq_migration.emulator import Scenario
from pulumi_rocketmq_migration.emulator.iam_spec import Agency as IamAgency
from pulumi_rocketmq_migration.errors import AuthError, InvalidRequest
from pulumi_rocketmq_migration.settings import resolve
from tests.conftest import ID_TOKEN, SECRET_KEY
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


# -- what an agency setting may hold, and what a wrong one is told -----------------


def agency_in(config: dict[str, Any] | None = None, **environ: str) -> Agency | None:
    return agency_to_assume(Places({}, config, environ, None, None))


def refusal(config: dict[str, Any] | None = None, **environ: str) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as caught:
        agency_in(config, **environ)
    assert caught.value.field == "assumeRole"
    return caught.value


@pytest.mark.parametrize(
    "role",
    [
        {"agency_name": AGENCY, "domain_id": DOMAIN_ID, "duration": 86400},
        json.dumps({"agency_name": AGENCY, "domain_id": DOMAIN_ID, "duration": "86400"}),
    ],
)
def test_stack_config_takes_an_object_or_its_json_in_either_spelling(role):
    given = agency_in({"huaweicloud:assume_role": role})
    assert given == Agency(AGENCY, None, DOMAIN_ID, 86400, "stack config huaweicloud:assume_role")


def test_the_environment_agency_keeps_its_place_and_default_duration():
    given = agency_in(HW_ASSUME_ROLE_AGENCY_NAME=f" {AGENCY} ", HW_ASSUME_ROLE_DOMAIN_NAME=DOMAIN)
    assert given == Agency(AGENCY, DOMAIN, None, 3600, "environment $HW_ASSUME_ROLE_*")
    assert agency_in(HW_ASSUME_ROLE_AGENCY_NAME="") is None


@pytest.mark.parametrize("given", ["dms-reader", "[1, 2]", "{not json", ["a"]])
def test_an_agency_that_is_not_an_object_says_what_it_must_be(given):
    error = refusal({"huaweicloud:assumeRole": given})
    assert error.problem == "must be an object: {agencyName, domainName or domainId, duration}"


def test_unknown_agency_fields_are_named_in_order():
    role = {"agencyName": AGENCY, "domainName": DOMAIN, "roleName": "x", "agencyId": "y"}
    error = refusal({"huaweicloud:assumeRole": role})
    assert (
        error.problem
        == "stack config huaweicloud:assumeRole has unknown field(s) agencyId, roleName"
    )


@pytest.mark.parametrize(
    ("role", "lack"),
    [
        ({"duration": 900}, "agencyName and domainName or domainId"),
        ({"domainName": DOMAIN}, "agencyName"),
        ({"agencyName": AGENCY, "domainName": " "}, "domainName or domainId"),
    ],
)
def test_an_incomplete_agency_says_exactly_what_it_lacks(role, lack):
    error = refusal({"huaweicloud:assumeRole": role})
    assert error.problem == (
        f"stack config huaweicloud:assumeRole lacks {lack}; an agency is named by both"
    )


@pytest.mark.parametrize(
    ("duration", "shown"),
    [("899", "'899'"), ("86401", "'86401'"), ("12345678901234567890123", "'12345678901234567890'")],
)
def test_a_duration_out_of_range_is_refused_and_cut(duration, shown):
    error = refusal(
        HW_ASSUME_ROLE_AGENCY_NAME=AGENCY,
        HW_ASSUME_ROLE_DOMAIN_ID=DOMAIN_ID,
        HW_ASSUME_ROLE_DURATION=duration,
    )
    assert error.problem == (
        "environment $HW_ASSUME_ROLE_*: duration must be whole seconds from 900 to 86400, "
        f"got {shown}"
    )


# -- one exchange per agency, duration and base ------------------------------------


def two_domains() -> Scenario:
    scene = iam_scene()
    other = IamAgency(AGENCY, "beta", "d00000000000000000000000000000b2")
    return attrs.evolve(scene, iam=attrs.evolve(scene.iam, agencies=(*scene.iam.agencies, other)))


@pytest.mark.parametrize(
    ("variable", "first", "second"),
    [
        ("HW_ASSUME_ROLE_DOMAIN_NAME", DOMAIN, "beta"),
        ("HW_ASSUME_ROLE_DOMAIN_ID", DOMAIN_ID, "d00000000000000000000000000000b2"),
    ],
)
def test_the_same_agency_name_in_two_domains_are_two_exchanges(serve, variable, first, second):
    emulator = serve(two_domains())
    for domain in (first, second, first):
        settings = resolve(
            environ=base_keys(emulator, HW_ASSUME_ROLE_AGENCY_NAME=AGENCY, **{variable: domain})
        )
        read_all(settings)
    dms = [r.principal for r in emulator.requests if r.path.startswith("/v2/")]
    assert dms == [
        f"agency {DOMAIN}/{AGENCY}",
        f"agency beta/{AGENCY}",
        f"agency {DOMAIN}/{AGENCY}",
    ]
    assert len([r for r in emulator.requests if r.path == EXCHANGES[1]]) == 2


def test_another_duration_is_another_exchange(serve):
    emulator = serve(iam_scene())
    expiries = []
    for duration in ("900", "7200"):
        env = base_keys(
            emulator,
            HW_ASSUME_ROLE_AGENCY_NAME=AGENCY,
            HW_ASSUME_ROLE_DOMAIN_NAME=DOMAIN,
            HW_ASSUME_ROLE_DURATION=duration,
        )
        expiries.append(resolve(environ=env).credentials.current().expires_at)
    assert 6000 < expiries[1] - expiries[0] < 6600


def test_two_federated_bases_each_assume_the_agency(serve, tmp_path):
    emulator = serve(iam_scene())
    for name in ("one", "two"):
        path = tmp_path / name
        path.write_text(ID_TOKEN)
        env = federated(emulator, path)
        env.update(HW_ASSUME_ROLE_AGENCY_NAME=AGENCY, HW_ASSUME_ROLE_DOMAIN_NAME=DOMAIN)
        read_all(resolve(environ=env))
    assumed = [
        r for r in emulator.requests if r.path == EXCHANGES[1] and r.principal != f"idp {IDP}"
    ]
    assert [r.principal for r in assumed] == [f"federated {IDP}", f"federated {IDP}"]


def test_an_empty_stack_config_agency_gives_way_to_the_environment():
    given = agency_in(
        {"huaweicloud:assumeRole": ""},
        HW_ASSUME_ROLE_AGENCY_NAME=AGENCY,
        HW_ASSUME_ROLE_DOMAIN_NAME=DOMAIN,
    )
    assert given is not None and given.place == "environment $HW_ASSUME_ROLE_*"
