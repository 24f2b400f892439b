"""API2:2023 Broken Authentication: no, wrong, revoked and expired keys are refused."""

from datetime import timedelta

import pytest

from personas.persistence.models.base import utcnow
from personas.persistence.uow import UnitOfWork
from tests.security.conftest import add_key

FAILED = {"success": False, "code": 403, "error": "Failed authorization"}


def _refused(response) -> bool:
    return response.status_code == 403 and response.json() == FAILED


def test_a_request_without_a_key_is_refused(http):
    assert _refused(http.get("/api/v1/people"))


@pytest.mark.parametrize(
    "header",
    ["Bearer wrong", "Bearer", "Bearer  ", "Basic Zm9vOmJhcg==", "Token pk_x", "Bearer " + "x" * 5000, "bearer\tpk_"],
)
def test_a_wrong_or_malformed_key_is_refused(http, header):
    assert _refused(http.get("/api/v1/people", headers={"Authorization": header}))


def test_a_key_in_the_query_string_is_not_accepted(http, session_factory):
    key, _ = add_key(session_factory)
    assert _refused(http.get("/api/v1/people", params={"api_key": key, "access_token": key}))


def test_a_revoked_key_is_refused_from_the_next_request(http, session_factory):
    key, key_id = add_key(session_factory)
    headers = {"Authorization": f"Bearer {key}"}
    assert http.get("/api/v1/people", headers=headers).status_code == 200
    with UnitOfWork(session_factory) as uow:
        uow.api_keys.find(key_id)[0].revoked_at = utcnow()
        uow.commit()
    assert _refused(http.get("/api/v1/people", headers=headers))


def test_an_expired_key_is_refused(http, session_factory):
    key, _ = add_key(session_factory, expires_in=timedelta(seconds=-1))
    assert _refused(http.get("/api/v1/people", headers={"Authorization": f"Bearer {key}"}))


def test_a_key_is_refused_as_soon_as_it_expires(http, session_factory):
    key, key_id = add_key(session_factory, expires_in=timedelta(days=1))
    headers = {"Authorization": f"Bearer {key}"}
    assert http.get("/api/v1/people", headers=headers).status_code == 200
    with UnitOfWork(session_factory) as uow:
        uow.api_keys.find(key_id)[0].expires_at = utcnow() - timedelta(milliseconds=1)
        uow.commit()
    assert _refused(http.get("/api/v1/people", headers=headers))


def test_a_key_that_differs_in_one_character_is_refused(http, session_factory):
    key, _ = add_key(session_factory)
    other = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert _refused(http.get("/api/v1/people", headers={"Authorization": f"Bearer {other}"}))
