"""The emulator's IAM facet over real HTTP: id tokens, agencies, temporary keys, projects."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from pulumi_rocketmq_migration.emulator import Emulator, Scenario

from .helpers import AK, DEMO_INSTANCE, SK, Client, serve

IDP = "github-actions"
ID_TOKEN = "eyJ.emulator-id-token.sig"
DOMAIN, DOMAIN_ID = "acme", "d0000000000000000000000000000001"
AGENCY = "dms-reader"
REGION = "cn-north-4"
TOKENS = "/v3.0/OS-AUTH/id-token/tokens"
KEYS = "/v3.0/OS-CREDENTIAL/securitytokens"


def iam_scenario(**iam: Any) -> Scenario:
    body = json.loads(json.dumps({"instances": [{"id": DEMO_INSTANCE.id, "tasks": []}]}))
    body["iam"] = {
        "identity_providers": [{"id": IDP, "id_tokens": [ID_TOKEN]}],
        "agencies": [{"name": AGENCY, "domain_name": DOMAIN, "domain_id": DOMAIN_ID}],
        "projects": [
            {"id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9", "region": REGION},
            {"id": "p-two-1", "region": "ap-southeast-1"},
            {"id": "p-two-2", "region": "ap-southeast-1"},
        ],
        **iam,
    }
    return Scenario.from_dict(body)


@pytest.fixture
def iam() -> Iterator[Client]:
    with serve(iam_scenario(key_lifetime_seconds=1.5)) as emulator:
        client = Client(emulator)
        yield client
        client.session.close()


def post(client: Client, path: str, body: Any, **kw: Any) -> Any:
    return client.request("POST", path, body=json.dumps(body).encode(), check=False, **kw)


def unscoped(client: Client, token: str = ID_TOKEN, idp: str = IDP) -> Any:
    return post(
        client, TOKENS, {"auth": {"id_token": {"id": token}}}, sign=False, headers={"X-Idp-Id": idp}
    )


def keys_for(client: Client, token: str, duration: int = 21600) -> Any:
    body = {
        "auth": {
            "identity": {"methods": ["token"], "token": {"id": token, "duration_seconds": duration}}
        }
    }
    return post(client, KEYS, body, sign=False)


def assume(client: Client, domain: dict[str, str], agency: str = AGENCY, **kw: Any) -> Any:
    role = {"agency_name": agency, **domain, "duration_seconds": 3600}
    body = {"auth": {"identity": {"methods": ["assume_role"], "assume_role": role}}}
    return post(client, KEYS, body, **kw)


def test_an_accepted_id_token_gets_an_unscoped_token_then_keys_dms_accepts(iam: Client) -> None:
    answer = unscoped(iam)
    assert answer.status_code == 201
    token = answer.headers["X-Subject-Token"]
    keys = keys_for(iam, token)
    assert keys.status_code == 201
    credential = keys.json()["credential"]
    assert set(credential) == {"access", "secret", "securitytoken", "expires_at"}
    signed = {"access_key": credential["access"], "secret_key": credential["secret"]}
    with_token = {"X-Security-Token": credential["securitytoken"]}
    assert iam.get(headers=with_token, **signed).status_code == 200
    refused = iam.get(**signed)
    assert refused.status_code == 401 and "X-Security-Token" in refused.json()["error_msg"]
    records = iam.emulator.requests
    assert [r.principal for r in records] == [f"idp {IDP}", f"idp {IDP}", f"federated {IDP}", None]


def test_temporary_keys_are_refused_once_they_expire(iam: Client) -> None:
    credential = keys_for(iam, unscoped(iam).headers["X-Subject-Token"]).json()["credential"]
    signed = {
        "access_key": credential["access"],
        "secret_key": credential["secret"],
        "headers": {"X-Security-Token": credential["securitytoken"]},
    }
    assert iam.get(**signed).status_code == 200
    time.sleep(1.6)  # key_lifetime_seconds is 1.5, though 6 hours were asked for
    expired = iam.get(**signed)
    assert expired.status_code == 401 and "expired" in expired.json()["error_msg"]


@pytest.mark.parametrize(
    ("token", "idp", "status", "word"),
    [
        ("not-the-token", IDP, 401, IDP),
        (ID_TOKEN, "other-idp", 404, "other-idp"),
        (ID_TOKEN, "", 400, "X-Idp-Id"),
    ],
)
def test_an_id_token_is_refused(iam: Client, token: str, idp: str, status: int, word: str) -> None:
    answer = unscoped(iam, token, idp)
    assert answer.status_code == status
    assert word in answer.json()["error_msg"] and token not in answer.text
    assert "X-Subject-Token" not in answer.headers


def test_an_unknown_unscoped_token_and_a_bad_duration_are_refused(iam: Client) -> None:
    assert keys_for(iam, "forged").status_code == 401
    token = unscoped(iam).headers["X-Subject-Token"]
    assert keys_for(iam, token, duration=60).status_code == 400
    assert keys_for(iam, token, duration=86401).status_code == 400
    assert keys_for(iam, token, duration=900).status_code == 201


@pytest.mark.parametrize("domain", [{"domain_name": DOMAIN}, {"domain_id": DOMAIN_ID}])
def test_a_signed_caller_assumes_a_listed_agency(iam: Client, domain: dict[str, str]) -> None:
    answer = assume(iam, domain)
    assert answer.status_code == 201, answer.text
    credential = answer.json()["credential"]
    assert credential["access"] != AK
    headers = {"X-Security-Token": credential["securitytoken"]}
    got = iam.get(access_key=credential["access"], secret_key=credential["secret"], headers=headers)
    assert got.status_code == 200
    assert iam.emulator.requests[-1].principal == f"agency {DOMAIN}/{AGENCY}"
    assert iam.emulator.requests[0].principal == "permanent"


def test_assuming_an_agency_is_refused_by_name_or_unsigned(iam: Client) -> None:
    refused = assume(iam, {"domain_name": DOMAIN}, agency="admin")
    assert refused.status_code == 403
    assert "admin" in refused.json()["error_msg"] and DOMAIN in refused.json()["error_msg"]
    assert assume(iam, {"domain_name": "other"}).status_code == 403
    assert assume(iam, {"domain_name": DOMAIN}, sign=False).status_code == 401
    assert assume(iam, {"domain_name": DOMAIN}, secret_key="wrong").status_code == 401


def test_the_projects_of_a_region_signed(iam: Client) -> None:
    def ids(region: str, **kw: Any) -> Any:
        answer = iam.request("GET", "/v3/projects", [("name", region)], check=False, **kw)
        return answer.status_code, [p["id"] for p in answer.json().get("projects", [])]

    assert ids(REGION) == (200, ["0a1b2c3d4e5f60718293a4b5c6d7e8f9"])
    assert ids("ap-southeast-1") == (200, ["p-two-1", "p-two-2"])
    assert ids("eu-west-0") == (200, [])
    assert ids(REGION, sign=False)[0] == 401
    assert ids(REGION, secret_key=SK + "x")[0] == 401


def test_only_the_documented_methods_are_answered(iam: Client) -> None:
    assert iam.request("GET", TOKENS, check=False).status_code == 405
    assert iam.request("DELETE", KEYS, check=False).status_code == 405
    assert iam.request("POST", "/v3/projects", check=False).status_code == 405
    assert post(iam, TOKENS, [1, 2], headers={"X-Idp-Id": IDP}).status_code == 400
    assert post(iam, KEYS, {"auth": {"identity": {"methods": ["password"]}}}).status_code == 400


@pytest.mark.parametrize(
    ("iam", "where"),
    [
        ({"identity_providers": [{"id": "x", "id_tokens": [""]}]}, "id_tokens"),
        ({"agencies": [{"name": "a", "domain_name": "d"}]}, "domain_id"),
        ({"projects": [{"id": "p"}]}, "region"),
        ({"key_lifetime_seconds": 0}, "key_lifetime_seconds"),
        ({"roles": []}, "roles"),
    ],
)
def test_a_bad_iam_section_names_its_place(iam: dict[str, Any], where: str) -> None:
    with pytest.raises(ValueError, match=where):
        Scenario.from_dict({"instances": [], "iam": iam})


def test_without_an_iam_section_nothing_is_accepted(emulator: Emulator) -> None:
    client = Client(emulator)
    assert unscoped(client).status_code == 404
    answer = client.request("GET", "/v3/projects", [("name", REGION)], check=False)
    assert answer.json() == {"projects": []}
