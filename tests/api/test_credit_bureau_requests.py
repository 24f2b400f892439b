"""Credit bureau requests over HTTP: the seed's example, the person rule, the enums, list, real delete."""

from personas.domain.records import UNKNOWN_PERSON
from tests.support import person_body

SEED_REQUEST = {
    "report_provider": "cdc",
    "report_type": "ingresos",
    "verification_code": "123456",
    "verification_contact": "example@mail.com",
    "config": {"productoRequerido": "007"},
    "created_at": "2022-07-29T21:54:55Z",
    "updated_at": "2022-07-29T21:54:55Z",
}


def new_person(api) -> str:
    response = api.post("/people", json=person_body())
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


def create(api, person_id, **overrides) -> dict:
    response = api.post("/credit-bureau-requests", json=SEED_REQUEST | {"person_id": person_id} | overrides)
    assert response.status_code == 201, response.text
    return response.json()["result"]


def test_the_seed_example_creates_a_request_that_reads_back_with_server_dates(api):
    person_id = new_person(api)
    created = create(api, person_id)
    assert {k: created[k] for k in SEED_REQUEST if k not in ("created_at", "updated_at")} == {
        k: v for k, v in SEED_REQUEST.items() if k not in ("created_at", "updated_at")
    }
    assert created["person_id"] == person_id
    # The body's 2022 dates are accepted for compatibility and ignored: the server sets them.
    assert created["created_at"].endswith("Z") and not created["created_at"].startswith("2022-07-29")
    assert api.get(f"/credit-bureau-requests/{created['id']}").json() == {"success": True, "result": created}


def test_only_person_id_is_required(api):
    created = create(api, new_person(api), **dict.fromkeys(SEED_REQUEST))
    assert created["report_provider"] is None and created["config"] is None


def test_an_unknown_person_is_a_422_naming_person_id(api):
    response = api.post(
        "/credit-bureau-requests", json=SEED_REQUEST | {"person_id": "71266b80-f04b-4a2c-9314-963d3a182f2a"}
    )
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"person_id": [UNKNOWN_PERSON.es]},
        "rules": {"person_id": ["unknown_person"]},
    }


def test_a_deleted_person_gets_no_new_requests(api):
    person_id = new_person(api)
    assert api.delete(f"/people/{person_id}").status_code == 200
    response = api.post("/credit-bureau-requests", json=SEED_REQUEST | {"person_id": person_id})
    assert response.status_code == 422 and response.json()["error"] == {"person_id": [UNKNOWN_PERSON.es]}


def test_a_provider_or_report_type_outside_the_enums_is_refused(api):
    person_id = new_person(api)
    response = api.post(
        "/credit-bureau-requests",
        json=SEED_REQUEST | {"person_id": person_id, "report_provider": "equifax", "report_type": "score"},
    )
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"report_provider", "report_type"}
    for provider, report_type in (("credit_buro", "credito"), ("cdc", "buro")):
        created = create(api, person_id, report_provider=provider, report_type=report_type)
        assert (created["report_provider"], created["report_type"]) == (provider, report_type)


def test_the_list_filters_by_person_newest_first(api):
    first, second = new_person(api), new_person(api)
    older, newer = create(api, first), create(api, first, report_type="credito")
    create(api, second)
    page = api.get(f"/credit-bureau-requests?person_id={first}").json()["result"]
    assert [r["id"] for r in page["data"]] == [newer["id"], older["id"]]
    assert page["from"] == 1 and page["to"] == 2 and page["next_page_url"] is None
    assert api.get("/credit-bureau-requests?per_page=1").json()["result"]["next_page_url"] is not None


def test_delete_removes_the_request_and_history_keeps_it_with_the_code_masked(api):
    person_id = new_person(api)
    created = create(api, person_id)
    response = api.delete(f"/credit-bureau-requests/{created['id']}")
    assert response.status_code == 200
    # The seed's `result` text; the id goes beside it.
    assert response.json() == {"success": True, "result": "Ok", "deleted": {"id": created["id"]}}
    assert api.get(f"/credit-bureau-requests/{created['id']}").status_code == 404
    assert api.delete(f"/credit-bureau-requests/{created['id']}").status_code == 404
    history = api.get(f"/people/{person_id}/history").json()["result"]["data"]
    entries = [h for h in history if h["resource_type"] == "credit_bureau_request"]
    assert [h["action"] for h in entries] == ["delete", "create"]
    assert entries[0]["old_value"]["verification_code"] == "***"
    assert entries[1]["new_value"]["verification_code"] == "***"
    assert entries[1]["new_value"]["report_provider"] == "cdc"


def test_an_unknown_request_is_a_404_in_the_envelope(api):
    response = api.get("/credit-bureau-requests/71266b80-f04b-4a2c-9314-963d3a182f2a")
    assert response.status_code == 404
    assert response.json() == {"success": False, "code": 404, "error": "No se encontró la consulta al buró de crédito"}
