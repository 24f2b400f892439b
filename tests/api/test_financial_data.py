"""Financial data over HTTP: the seed's example, ranges, metadata, events and history."""

import uuid

from personas.persistence.models import OutboxEvent
from tests.support import person_body

SEED_FINANCIAL = {
    "monthly_income": 0,
    "monthly_expenses": 0,
    "dependents": 2,
    "metadata": {"credit_amount": 1000000, "credit_frequency": "MENSUAL", "credit_periods": 12},
}


def new_person(api) -> str:
    response = api.post("/people", json=person_body())
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


def create(api, **overrides) -> dict:
    body = SEED_FINANCIAL | {"person_id": overrides.pop("person_id", None) or new_person(api)} | overrides
    response = api.post("/financial-data", json=body)
    assert response.status_code == 201, response.text
    return response.json()["result"]


def test_the_seed_example_is_stored_and_read_back_as_sent(api):
    record = create(api)
    assert {k: record[k] for k in SEED_FINANCIAL} == SEED_FINANCIAL
    assert api.get(f"/financial-data/{record['id']}").json() == {"success": True, "result": record}


def test_only_person_id_is_required_and_the_rest_may_be_null(api):
    person_id = new_person(api)
    response = api.post("/financial-data", json={"person_id": person_id})
    assert response.status_code == 201, response.text
    record = response.json()["result"]
    assert [record[k] for k in SEED_FINANCIAL] == [None, None, None, None]


def test_amounts_are_kept_to_the_cent(api):
    record = create(api, monthly_income=32000.499, monthly_expenses=18000.005)
    assert (record["monthly_income"], record["monthly_expenses"]) == (32000.5, 18000.01)


def test_negative_amounts_and_non_integer_dependents_are_refused_naming_each_field(api):
    body = SEED_FINANCIAL | {"person_id": new_person(api), "monthly_income": -0.01, "dependents": 1.5}
    response = api.post("/financial-data", json=body)
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"monthly_income", "dependents"}


def test_an_unknown_person_is_a_422_naming_person_id(api):
    response = api.post("/financial-data", json=SEED_FINANCIAL | {"person_id": str(uuid.uuid4())})
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"person_id": ["No existe la persona"]},
        "rules": {"person_id": ["unknown_person"]},
    }


def test_an_update_is_partial_and_metadata_replaces_the_previous_object(api):
    record = create(api)
    response = api.put(f"/financial-data/{record['id']}", json={"monthly_income": 32000, "metadata": {"score": 7}})
    assert response.status_code == 200, response.text
    updated = response.json()["result"]
    assert updated["monthly_income"] == 32000 and updated["dependents"] == 2
    assert updated["metadata"] == {"score": 7}


def test_the_list_filters_by_person(api):
    record = create(api)
    create(api)
    page = api.get(f"/financial-data?person_id={record['person_id']}").json()["result"]
    assert [r["id"] for r in page["data"]] == [record["id"]]


def test_unknown_ids_are_404_and_delete_answers_the_id(api):
    missing = str(uuid.uuid4())
    assert api.get(f"/financial-data/{missing}").status_code == 404
    assert api.put(f"/financial-data/{missing}", json={"dependents": 1}).status_code == 404
    assert api.delete(f"/financial-data/{missing}").status_code == 404
    record = create(api)
    assert api.delete(f"/financial-data/{record['id']}").json() == {"success": True, "result": {"id": record["id"]}}
    assert api.get(f"/financial-data/{record['id']}").status_code == 404


def test_changes_fire_updated_data_to_person_and_reach_the_history(api, session_factory):
    record = create(api)
    api.put(f"/financial-data/{record['id']}", json={"dependents": 3})
    with session_factory() as s:
        events = s.query(OutboxEvent).filter_by(resource_id=record["id"]).order_by(OutboxEvent.created_at).all()
    assert [(e.name, e.resource_name) for e in events] == [("updated_data_to_person", "person_financial_data")] * 2
    assert events[0].payload == record and events[1].payload["dependents"] == 3
    entries = api.get(f"/people/{record['person_id']}/history").json()["result"]["data"]
    update = next(e for e in entries if e["resource_type"] == "person_financial_data" and e["action"] == "update")
    assert (update["field"], update["old_value"], update["new_value"]) == ("dependents", 2, 3)
