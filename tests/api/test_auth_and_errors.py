"""Credentials, and malformed or hostile requests: always a 4xx in the error envelope."""

import pytest

from personas.domain import api_keys
from personas.persistence.models.base import utcnow
from personas.persistence.uow import UnitOfWork
from tests.conftest import make_key

FAILED = {"success": False, "code": 403, "error": "Failed authorization"}


def test_a_missing_key_is_403_with_the_seeds_wording(http):
    response = http.get("/api/v1/people")
    assert response.status_code == 403 and response.json() == FAILED


@pytest.mark.parametrize(
    "header", ["Bearer wrong", "Bearer ", "Basic Zm9vOmJhcg==", "pk_something", "Bearer " + "x" * 500]
)
def test_a_wrong_key_is_403(http, header):
    response = http.get("/api/v1/people", headers={"Authorization": header})
    assert response.status_code == 403 and response.json() == FAILED


def test_a_revoked_key_stops_working(http, session_factory):
    key, key_id = make_key(session_factory, name="to-revoke")
    headers = {"Authorization": f"Bearer {key}"}
    assert http.get("/api/v1/people", headers=headers).status_code == 200
    with UnitOfWork(session_factory) as uow:
        uow.api_keys.find(key_id)[0].revoked_at = utcnow()
        uow.commit()
    assert http.get("/api/v1/people", headers=headers).status_code == 403


def test_keys_are_stored_only_as_digests(session_factory):
    key, key_id = make_key(session_factory)
    with UnitOfWork(session_factory) as uow:
        record = uow.api_keys.find(key_id)[0]
        assert record.key_hash == api_keys.digest(key) and key not in (record.key_hash, record.prefix)


def test_readiness_needs_no_key_and_reports_the_database(http):
    response = http.get("/api/v1/health/ready")
    assert response.status_code == 200
    assert response.json()["result"] == {"status": "ok", "database": "ok", "queue": "in-process"}


def test_the_spec_and_docs_are_published_without_a_key(http):
    assert http.get("/api/v1/openapi.json").json()["openapi"].startswith("3.0")
    assert "openapi: 3.0" in http.get("/api/v1/openapi.yaml").text
    docs = http.get("/api/v1/docs/")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


@pytest.mark.parametrize(
    "path",
    ["/people/not-a-uuid", "/people/71266b80-f04b-4a2c-9314-963d3a18", "/people-groups/%20", "/people/external/%0A"],
)
def test_a_malformed_id_in_the_path_is_400(api, path):
    response = api.get(path)
    assert response.status_code == 400 and response.json()["success"] is False


@pytest.mark.parametrize(
    "content, content_type, status",
    [
        (b'{"name": ', "application/json", 400),
        (b"\xff\xfe\x00", "application/json", 400),
        (b"name=x", "application/x-www-form-urlencoded", 415),
        (b"<xml/>", "text/xml", 415),
        (b"[1, 2]", "application/json", 422),
        (b'"text"', "application/json", 422),
    ],
)
def test_malformed_bodies_are_refused_in_the_envelope(api, content, content_type, status):
    response = api.post("/people", content=content, headers={"Content-Type": content_type})
    assert response.status_code == status
    assert response.json()["success"] is False and response.json()["code"] == status


@pytest.mark.parametrize(
    "field, value",
    [
        ("birthdate", "1988-13-45"),
        ("people_group_id", "nope"),
        ("gender", "OTHER"),
        ("name", "x" * 300),
        ("state_id", "7"),
    ],
)
def test_a_body_field_of_the_wrong_shape_is_a_422_naming_it(api, field, value):
    body = {"national_id": "PESJ880212HDFHLX01", "name": "a", "first_lastname": "b", "second_lastname": "c"}
    response = api.post("/people", json=body | {field: value})
    assert response.status_code == 422 and field in response.json()["error"]


def test_an_oversized_body_is_413(api):
    response = api.post(
        "/people", content=b'{"name": "' + b"x" * 1_100_000 + b'"}', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["code"] == 413


def test_an_unknown_path_is_404_and_a_wrong_method_405_in_the_envelope(api):
    assert api.get("/nothing-here").json() == {"success": False, "code": 404, "error": "No encontrado"}
    response = api.call("PATCH", "/people")
    assert response.status_code == 405 and response.json()["code"] == 405


def test_bad_query_parameters_are_400(api):
    for query in ("page=0", "per_page=101", "page=abc", "people_group_id=zzz"):
        response = api.get(f"/people?{query}")
        assert response.status_code == 400, query
