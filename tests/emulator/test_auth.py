"""Who may call: AK/SK signatures, tokens and the project, refused the gateway's way."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from pulumi_rocketmq_migration import signer

from .helpers import AK, DEMO_INSTANCE, PROJECT, TOKEN, Client, metadata_path


def _refused(
    response_status: int, body: dict[str, str], status: int, code: str, *words: str
) -> None:
    assert response_status == status, body
    assert body["error_code"] == code
    for word in words:
        assert word in body["error_msg"]


def test_a_signed_request_is_accepted(client: Client) -> None:
    assert client.get(query=[("limit", "2"), ("offset", "1")]).status_code == 200


def test_no_credentials_is_a_401(client: Client) -> None:
    response = client.get(sign=False)
    _refused(response.status_code, response.json(), 401, "APIGW.0301", "Incorrect IAM")
    assert response.json()["request_id"] == response.headers["X-Request-Id"]


def test_a_wrong_secret_key_is_a_401(client: Client) -> None:
    response = client.get(secret_key="not-the-secret")
    _refused(response.status_code, response.json(), 401, "APIGW.0301", "verify aksk signature fail")


def test_an_unknown_access_key_is_a_401(client: Client) -> None:
    response = client.get(access_key="UNKNOWNAK")
    _refused(response.status_code, response.json(), 401, "APIGW.0301", "ak not exist")


@pytest.mark.parametrize("minutes", [-16, 16])
def test_a_date_more_than_15_minutes_off_is_a_401(client: Client, minutes: int) -> None:
    when = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    response = client.get(date=when)
    _refused(response.status_code, response.json(), 401, "APIGW.0301", "15 minutes")


def test_a_date_14_minutes_old_is_accepted(client: Client) -> None:
    assert client.get(date=datetime.now(timezone.utc) - timedelta(minutes=14)).status_code == 200


def _signed_headers(client: Client, query: list[tuple[str, str]]) -> dict[str, str]:
    host = client.emulator.base_url.split("://", 1)[1]
    date = signer.sdk_date(datetime.now(timezone.utc))
    path = metadata_path(DEMO_INSTANCE.id)
    return signer.sign("GET", path, query, {"Host": host}, b"", AK, "x", date)


def test_a_missing_or_unparseable_date_is_a_401(client: Client) -> None:
    headers = _signed_headers(client, [])
    without = {k: v for k, v in headers.items() if k != "X-Sdk-Date"}
    response = client.get(sign=False, headers=without)
    _refused(response.status_code, response.json(), 401, "APIGW.0301", "X-Sdk-Date")
    response = client.get(sign=False, headers={**headers, "X-Sdk-Date": "yesterday"})
    _refused(response.status_code, response.json(), 401, "APIGW.0301", "X-Sdk-Date", "yesterday")


def test_a_malformed_authorization_is_a_401(client: Client) -> None:
    headers = _signed_headers(client, [])
    for value in ("Basic dXNlcjpwYXNz", "SDK-HMAC-SHA256 Access=AK", "SDK-HMAC-SHA256 nonsense"):
        response = client.get(sign=False, headers={**headers, "Authorization": value})
        _refused(response.status_code, response.json(), 401, "APIGW.0301", "Authorization")


def test_a_query_changed_after_signing_is_a_401(client: Client) -> None:
    headers = _signed_headers(client, [("limit", "1")])
    response = client.request(
        "GET", metadata_path(DEMO_INSTANCE.id), [("limit", "2")], sign=False, headers=headers
    )
    _refused(response.status_code, response.json(), 401, "APIGW.0301", "verify aksk signature fail")


def test_another_project_in_the_path_is_a_403(client: Client) -> None:
    response = client.request("GET", metadata_path(DEMO_INSTANCE.id, "someone-elses-project"))
    _refused(response.status_code, response.json(), 403, "APIGW.0302", "someone-elses-project")


def test_another_project_in_x_project_id_is_a_403(client: Client) -> None:
    response = client.get(headers={"X-Project-Id": "someone-elses-project"})
    _refused(response.status_code, response.json(), 403, "APIGW.0302", "X-Project-Id")
    assert client.get(headers={"X-Project-Id": PROJECT}).status_code == 200


def test_a_known_token_is_accepted_and_an_unknown_one_refused(client: Client) -> None:
    assert client.get(token=TOKEN).status_code == 200
    response = client.get(token="expired-token")
    _refused(response.status_code, response.json(), 401, "APIGW.0301", "decrypt token fail")
    wrong_project = client.request(
        "GET", metadata_path(DEMO_INSTANCE.id, "someone-elses-project"), token=TOKEN
    )
    assert wrong_project.status_code == 403


def test_refusals_never_echo_credentials(client: Client) -> None:
    for response in (client.get(secret_key="not-the-secret"), client.get(token="expired-token")):
        assert "not-the-secret" not in response.text
        assert "expired-token" not in response.text
        assert "Signature=" not in response.text
