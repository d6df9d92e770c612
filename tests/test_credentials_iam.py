"""The IAM calls (credentials/iam.py): the project id of a region, asked once per process;
what IAM receives, and what its refusals and odd answers become."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest
import trustme

from pulumi_rocketmq_migration.credentials import iam
from pulumi_rocketmq_migration.credentials.federation import Exchange, IdToken
from pulumi_rocketmq_migration.credentials.iam import Agency, IamEndpoint
from pulumi_rocketmq_migration.credentials.keys import Credentials
from pulumi_rocketmq_migration.emulator import Emulator
from pulumi_rocketmq_migration.errors import (
    AuthError,
    InvalidRequest,
    InvalidResponse,
    ServiceError,
    ServiceUnavailable,
    Throttled,
)
from pulumi_rocketmq_migration.settings import resolve
from tests.conftest import ACCESS_KEY, ID_TOKEN, PROJECT_ID, SECRET_KEY, tls_files
from tests.test_credentials_federation import (
    IDP,
    base_keys,
    iam_scene,
    where,
)

# -- the project id of a region ----------------------------------------------------


@pytest.mark.parametrize(
    ("projects", "words"),
    [([], "has no project for region cn-north-4"), (["p-1", "p-2"], "2 projects for region")],
)
def test_no_project_or_several_name_the_region(serve, projects, words):
    emulator = serve(iam_scene(projects=projects)) if projects else None
    if emulator is None:
        emulator = serve(iam_scene())
        env = base_keys(emulator, HW_REGION_NAME="cn-east-3")
        words = "has no project for region cn-east-3"
    else:
        env = base_keys(emulator)
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=env)
    assert caught.value.field == "project_id" and words in str(caught.value)
    if projects:
        assert "p-1, p-2" in str(caught.value)


def test_the_project_is_asked_once_per_process_and_credentials(serve):
    emulator = serve(iam_scene())
    for _ in range(3):
        assert resolve(environ=base_keys(emulator)).project_id == PROJECT_ID
    assert [r.principal for r in emulator.requests if r.path == "/v3/projects"] == ["permanent"]


def test_refused_credentials_for_the_project_are_an_auth_error(serve):
    emulator = serve(iam_scene())
    env = where(emulator, HW_ACCESS_KEY=ACCESS_KEY, HW_SECRET_KEY="wrong-secret")
    with pytest.raises(AuthError) as caught:
        resolve(environ=env)
    assert "projects of region cn-north-4" in str(caught.value)


# -- what IAM receives, and what its odd answers become (a scripted IAM) ---------------

KEYS = Credentials(access_key=ACCESS_KEY, secret_key=SECRET_KEY, source="stack config keys")
EXPIRES = "2099-01-01T00:00:00.000000Z"
ISSUED = json.dumps(
    {
        "credential": {
            "access": "TMPAK",
            "secret": "tmp-sk",
            "securitytoken": "st",
            "expires_at": EXPIRES,
        }
    }
).encode()
AGENCY_AT = Agency("dms-reader", "acme", None, 3600, "environment $HW_ASSUME_ROLE_*")


@pytest.fixture
def pauses(monkeypatch):
    """The pauses between attempts, taken note of instead of waited for."""
    taken: list[float] = []
    monkeypatch.setattr(iam.time, "sleep", taken.append)
    return taken


def sent(service) -> list[tuple[str, str, dict[str, str], Any]]:
    return [
        (method, path, headers, json.loads(body) if body else None)
        for (method, path, headers), body in zip(service.seen, service.bodies, strict=True)
    ]


def test_the_federation_exchanges_send_what_the_sdk_sends(scripted):
    service = scripted((201, b"{}", {"X-Subject-Token": " unscoped-1 "}), (201, ISSUED))
    endpoint = IamEndpoint(service.url)
    token = iam.unscoped_token(endpoint, "github-actions", ID_TOKEN, "$HW_ID_TOKEN_FILE")
    assert token == "unscoped-1"
    keys = iam.keys_from_token(endpoint, token, "idp keys", "federation")
    assert (keys.access_key, keys.secret_key, keys.security_token) == ("TMPAK", "tmp-sk", "st")
    assert keys.source == "federation" and keys.expires_at == 4070908800.0
    (m1, p1, h1, b1), (m2, p2, h2, b2) = sent(service)
    host = service.url.removeprefix("http://")
    assert (m1, p1, b1) == ("POST", iam.ID_TOKEN_PATH, {"auth": {"id_token": {"id": ID_TOKEN}}})
    assert h1["X-Idp-Id"] == "github-actions" and h1["Host"] == host
    assert h1["User-Agent"] == "pulumi-rocketmq-migration"
    assert h1["Content-Type"] == "application/json;charset=UTF-8"
    identity = {"methods": ["token"], "token": {"id": "unscoped-1", "duration_seconds": 21600}}
    assert (m2, p2, b2) == ("POST", iam.SECURITY_TOKENS_PATH, {"auth": {"identity": identity}})
    assert "Authorization" not in h2  # the unscoped token is the proof, nothing signs it


def test_assume_role_is_signed_by_the_base_and_names_agency_and_duration(scripted):
    service = scripted((201, ISSUED))
    keys = iam.assume(IamEndpoint(service.url), KEYS, AGENCY_AT)
    assert keys.source == "agency dms-reader of domain acme via stack config keys"
    [(method, path, headers, body)] = sent(service)
    role = {"agency_name": "dms-reader", "duration_seconds": 3600, "domain_name": "acme"}
    assert (method, path) == ("POST", iam.SECURITY_TOKENS_PATH)
    assert body == {"auth": {"identity": {"methods": ["assume_role"], "assume_role": role}}}
    assert headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=" + ACCESS_KEY)


def test_the_project_query_is_a_signed_get_without_a_body(scripted):
    projects = [{"id": "p-1"}, "not-a-project", {"name": "no id"}, {"id": ""}]
    service = scripted((200, json.dumps({"projects": projects}).encode()))
    assert iam.project_id(IamEndpoint(service.url), KEYS, "cn-north-4") == "p-1"
    [(method, path, headers)] = service.seen
    assert (method, path, service.bodies) == ("GET", "/v3/projects?name=cn-north-4", [b""])
    assert "Content-Type" not in headers and "Authorization" in headers


def test_a_call_without_a_query_asks_for_the_bare_path(scripted):
    service = scripted((201, ISSUED))
    iam.keys_from_token(IamEndpoint(service.url), "unscoped-1", "idp keys", "federation")
    assert service.seen[0][1] == iam.SECURITY_TOKENS_PATH


@pytest.mark.parametrize(
    ("status", "kind"),
    [(400, AuthError), (403, AuthError), (430, AuthError), (499, AuthError), (300, ServiceError)],
)
def test_a_refusal_is_typed_keeps_code_and_request_id_and_hides_the_token(
    scripted, pauses, status, kind
):
    answer = {"error_code": "IAM.0001", "error_msg": f"token {ID_TOKEN} is not valid"}
    service = scripted((status, json.dumps(answer).encode(), {"X-Request-Id": "req-7"}))
    with pytest.raises(ServiceError) as caught:
        iam.unscoped_token(IamEndpoint(service.url), IDP, ID_TOKEN, "$HW_ID_TOKEN_FILE")
    error = caught.value
    assert type(error) is kind and error.status == status and len(service.seen) == 1
    assert (error.code, error.request_id) == ("IAM.0001", "req-7")
    assert ID_TOKEN not in str(error) and "token <redacted> is not valid" in str(error)
    assert f"identity provider {IDP} (id token from $HW_ID_TOKEN_FILE)" in str(error)
    assert pauses == []


def test_the_unscoped_token_is_cut_out_of_a_refusal_of_the_keys(scripted):
    service = scripted((401, b'{"error_msg": "unscoped-1 expired"}'))
    with pytest.raises(AuthError) as caught:
        iam.keys_from_token(IamEndpoint(service.url), "unscoped-1", "idp keys", "federation")
    assert str(caught.value) == "idp keys: <redacted> expired [HTTP 401]"


@pytest.mark.parametrize(("status", "kind"), [(429, Throttled), (500, ServiceUnavailable)])
def test_busy_iam_is_asked_three_times_then_the_error_is_the_service_s(
    scripted, pauses, status, kind
):
    service = scripted(*[(status, b'{"error_msg": "busy"}')] * 3)
    with pytest.raises(ServiceError) as caught:
        iam.project_id(IamEndpoint(service.url), KEYS, "cn-north-4")
    assert type(caught.value) is kind and caught.value.status == status
    assert len(service.seen) == 3 and pauses == list(iam.PAUSES)


def test_busy_iam_answering_at_last_gives_the_keys(scripted, pauses):
    service = scripted((503, b""), (201, ISSUED))
    keys = iam.assume(IamEndpoint(service.url), KEYS, AGENCY_AT)
    assert keys.access_key == "TMPAK" and len(service.seen) == 2 and pauses == [0.5]


def test_a_redirect_is_not_followed(scripted):
    service = scripted((302, b""), (201, ISSUED))
    with pytest.raises(ServiceError) as caught:
        iam.assume(IamEndpoint(service.url), KEYS, AGENCY_AT)
    assert caught.value.status == 302 and len(service.seen) == 1


def test_no_answer_is_tried_three_times_then_named(pauses):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    endpoint = IamEndpoint(f"http://127.0.0.1:{port}")
    with pytest.raises(ServiceUnavailable) as caught:
        iam.project_id(endpoint, KEYS, "cn-north-4")
    assert str(caught.value) == (
        f"no answer from IAM 127.0.0.1:{port} for the projects of region cn-north-4: "
        "ConnectionError"
    )
    assert pauses == list(iam.PAUSES)


def test_a_silent_iam_times_out_instead_of_hanging(pauses):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections into its backlog, never answers
        endpoint = IamEndpoint(
            f"http://127.0.0.1:{silent.getsockname()[1]}", connect_timeout=1, read_timeout=0.05
        )
        with pytest.raises(ServiceUnavailable, match="ReadTimeout"):
            iam.project_id(endpoint, KEYS, "cn-north-4")


def test_the_proxy_named_for_iam_carries_the_calls(scripted):
    proxy = scripted((201, ISSUED))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        target = f"http://127.0.0.1:{closed.getsockname()[1]}"
    iam.assume(IamEndpoint(target, proxy=proxy.url), KEYS, AGENCY_AT)
    assert proxy.seen[0][1] == target + iam.SECURITY_TOKENS_PATH


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ([(201, b"{}")], "X-Subject-Token", "missing from IAM's answer for identity provider"),
        ([(201, b"", {"X-Subject-Token": "u"}), (201, b"<html>")], "body", "is not JSON"),
        ([(201, b"", {"X-Subject-Token": "u"}), (201, b"[]")], "credential.access", "missing"),
        (
            [(201, b"", {"X-Subject-Token": "u"}), (201, b'{"credential": []}')],
            "credential.access",
            "missing",
        ),
    ],
)
def test_odd_federation_answers_name_the_field_and_the_exchange(scripted, answers, field, words):
    service = scripted(*answers)
    exchange = Exchange(IamEndpoint(service.url), IDP, IdToken("$HW_ID_TOKEN", value=ID_TOKEN))
    with pytest.raises(InvalidResponse) as caught:
        exchange.fetch()
    assert caught.value.field == field and words in caught.value.problem
    assert f"identity provider {IDP}" in caught.value.problem
    assert ID_TOKEN not in str(caught.value) and "unscoped" not in str(caught.value)


@pytest.mark.parametrize(
    ("credential", "field", "words"),
    [
        (
            {"access": "", "secret": "s", "securitytoken": "t", "expires_at": EXPIRES},
            "credential.access",
            "missing",
        ),
        (
            {"access": "a", "secret": 7, "securitytoken": "t", "expires_at": EXPIRES},
            "credential.secret",
            "missing",
        ),
        (
            {"access": "a", "secret": "s", "securitytoken": "t", "expires_at": "soon"},
            "credential.expires_at",
            "'soon' is not a time (IAM, ",
        ),
    ],
)
def test_odd_keys_from_an_agency_name_the_field_and_the_agency(scripted, credential, field, words):
    service = scripted((201, json.dumps({"credential": credential}).encode()))
    with pytest.raises(InvalidResponse) as caught:
        iam.assume(IamEndpoint(service.url), KEYS, AGENCY_AT)
    assert caught.value.field == field and words in caught.value.problem
    where = "assuming agency dms-reader of domain acme (set in environment $HW_ASSUME_ROLE_*)"
    assert (
        caught.value.problem.endswith(f"{where} with stack config keys")
        or where in caught.value.problem
    )
    assert "tmp" not in str(caught.value) and SECRET_KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("answer", "field", "problem"),
    [
        (b"[]", "projects", "missing from IAM's answer for the projects of region cn-north-4"),
        (b"{}", "projects", "missing from IAM's answer for the projects of region cn-north-4"),
        (b"<html>", "body", "IAM's answer for the projects of region cn-north-4 is not JSON"),
    ],
)
def test_odd_project_answers_name_the_field_and_the_region(scripted, answer, field, problem):
    service = scripted((200, answer))
    with pytest.raises(InvalidResponse) as caught:
        iam.project_id(IamEndpoint(service.url), KEYS, "cn-north-4")
    assert (caught.value.field, caught.value.problem) == (field, problem)


def test_no_project_says_which_setting_picks_one(serve):
    emulator = serve(iam_scene())
    with pytest.raises(InvalidRequest) as caught:
        resolve(environ=base_keys(emulator, HW_REGION_NAME="cn-east-3"))
    assert caught.value.problem.endswith(
        "; set the project id (stack config projectId, or HW_PROJECT_ID) to the one to use"
    )


def test_iam_over_tls_trusts_the_ca_file_and_names_a_host_it_cannot_trust(tmp_path):
    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with Emulator(
        iam_scene(),
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        project_id=PROJECT_ID,
        **tls_files(ca, tmp_path),
    ) as emulator:
        trusted = IamEndpoint(emulator.base_url, verify=str(ca_file))
        assert iam.project_id(trusted, KEYS, "cn-north-4") == PROJECT_ID
        with pytest.raises(ServiceUnavailable) as caught:
            iam.project_id(IamEndpoint(emulator.base_url), KEYS, "cn-north-4")
        host = emulator.base_url.removeprefix("https://")
        assert f"the certificate of {host} is not trusted" in str(caught.value)
        assert [r.path for r in emulator.requests] == ["/v3/projects"]


ASSUMING = (
    "assuming agency dms-reader of domain acme (set in environment $HW_ASSUME_ROLE_*) "
    "with stack config keys"
)


def test_a_refused_assume_call_names_the_agency_its_place_and_the_base(scripted):
    service = scripted((403, b'{"error_code": "IAM.0002", "error_msg": "denied"}'))
    with pytest.raises(AuthError) as caught:
        iam.assume(IamEndpoint(service.url), KEYS, AGENCY_AT)
    assert str(caught.value) == f"{ASSUMING}: denied [HTTP 403, IAM.0002]"
    assert ACCESS_KEY not in str(caught.value) and SECRET_KEY not in str(caught.value)


def test_an_assume_answer_that_is_not_json_names_the_agency(scripted):
    service = scripted((201, b"<html>"))
    with pytest.raises(InvalidResponse) as caught:
        iam.assume(IamEndpoint(service.url), KEYS, AGENCY_AT)
    assert (caught.value.field, caught.value.problem) == (
        "body",
        f"IAM's answer for {ASSUMING} is not JSON",
    )
