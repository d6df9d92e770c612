"""The IAM calls (credentials/iam.py): the project id of a region, asked once per process."""

from __future__ import annotations

import pytest

from pulumi_rocketmq_migration.errors import AuthError, InvalidRequest
from pulumi_rocketmq_migration.settings import resolve
from tests.conftest import ACCESS_KEY, PROJECT_ID
from tests.test_credentials_federation import (
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
