"""Employment data over HTTP: the seed's example, ranges, the hiring/termination rule, events and history."""

import uuid

import pytest

from personas.persistence.models import OutboxEvent
from tests.support import person_body

# The seed's sample as written: its company_phone is a JSON number.
SEED_EMPLOYMENT = {
    "current_occupation": "Desarrollador",
    "position": "Desarrollador",
    "industry": "Tecnologia",
    "company_name": "Rem",
    "company_phone": 5512345678,
    "company_address": "Av. Insurgentes Sur 1234",
    "seniority": 2,
    "employee_id": "a777fe73-6b66-4d02-93d6-c9cc87409243",
    "employee_type": "Full Time",
    "employee_status": "Active",
    "hiring_date": "2022-01-01",
    "termination_date": None,
    "payment_frequency": "Mensual",
    "gross_salary": 30000,
    "net_salary": 25000,
}
UNKNOWN_PERSON = {
    "success": False,
    "code": 422,
    "error": {"person_id": ["No existe la persona"]},
    "rules": {"person_id": ["unknown_person"]},
}


def new_person(api) -> str:
    response = api.post("/people", json=person_body())
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


def create(api, **overrides) -> dict:
    body = SEED_EMPLOYMENT | {"person_id": overrides.pop("person_id", None) or new_person(api)} | overrides
    response = api.post("/employment-data", json=body)
    assert response.status_code == 200, response.text  # the seed's status for this create
    return response.json()["result"]


def test_the_seed_example_is_stored_and_read_back_as_sent(api):
    record = create(api)
    # The phone comes back as the text of its digits: the type the seed's field table gives it.
    assert {k: record[k] for k in SEED_EMPLOYMENT} == SEED_EMPLOYMENT | {"company_phone": "5512345678"}
    assert record["created_at"].endswith("Z") and record["updated_at"].endswith("Z")
    assert api.get(f"/employment-data/{record['id']}").json() == {"success": True, "result": record}


def test_salaries_are_kept_to_the_cent(api):
    record = create(api, gross_salary=30000.555, net_salary=0.1)
    assert (record["gross_salary"], record["net_salary"]) == (30000.56, 0.1)
    assert api.get(f"/employment-data/{record['id']}").json()["result"]["gross_salary"] == 30000.56


def test_a_termination_date_before_the_hiring_date_is_refused(api):
    body = SEED_EMPLOYMENT | {"person_id": new_person(api), "termination_date": "2021-12-31"}
    response = api.post("/employment-data", json=body)
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"termination_date": ["La fecha de baja no puede ser anterior a la de contratación"]},
        "rules": {"termination_date": ["termination_before_hiring"]},
    }


def test_an_update_that_puts_termination_before_the_stored_hiring_date_changes_nothing(api):
    record = create(api)
    response = api.put(f"/employment-data/{record['id']}", json={"termination_date": "2020-01-01", "position": "X"})
    assert response.status_code == 422 and "termination_date" in response.json()["error"]
    assert api.get(f"/employment-data/{record['id']}").json()["result"] == record


def test_a_termination_on_or_after_the_hiring_date_is_accepted(api):
    record = create(api)
    response = api.put(f"/employment-data/{record['id']}", json={"termination_date": "2022-01-01"})
    assert response.status_code == 200 and response.json()["result"]["termination_date"] == "2022-01-01"


def test_negative_salaries_fractional_seniority_and_bad_dates_are_refused_naming_each_field(api):
    body = SEED_EMPLOYMENT | {
        "person_id": new_person(api),
        "gross_salary": -1,
        "seniority": 1.5,
        "hiring_date": "2022-02-30",
    }
    response = api.post("/employment-data", json=body)
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"gross_salary", "seniority", "hiring_date"}


@pytest.mark.parametrize(
    ("sent", "stored"), [(5512345678, "5512345678"), ("+52 (55) 1234-5678", "+52 (55) 1234-5678"), (None, None)]
)
def test_a_company_phone_is_text_or_a_whole_number_kept_as_its_digits(api, sent, stored):
    record = create(api, company_phone=sent)
    assert record["company_phone"] == stored
    updated = api.put(f"/employment-data/{record['id']}", json={"company_phone": 5598765432}).json()["result"]
    assert updated["company_phone"] == "5598765432"


@pytest.mark.parametrize("sent", [5512345678.5, -5512345678, 123456, True, "55-12-AB", 10**15])
def test_a_company_phone_that_is_no_phone_is_refused_naming_it(api, sent):
    response = api.post(
        "/employment-data", json=SEED_EMPLOYMENT | {"person_id": new_person(api), "company_phone": sent}
    )
    assert response.status_code == 422, response.text
    assert list(response.json()["error"]) == ["company_phone"]


def test_an_unknown_or_deleted_person_is_a_422_naming_person_id(api):
    response = api.post("/employment-data", json=SEED_EMPLOYMENT | {"person_id": str(uuid.uuid4())})
    assert (response.status_code, response.json()) == (422, UNKNOWN_PERSON)
    person_id = new_person(api)
    api.delete(f"/people/{person_id}")
    response = api.post("/employment-data", json=SEED_EMPLOYMENT | {"person_id": person_id})
    assert (response.status_code, response.json()) == (422, UNKNOWN_PERSON)


def test_an_update_is_partial_and_null_clears_an_optional_field(api):
    record = create(api)
    response = api.put(f"/employment-data/{record['id']}", json={"position": "Líder técnico", "industry": None})
    assert response.status_code == 200, response.text
    updated = response.json()["result"]
    assert updated["position"] == "Líder técnico" and updated["industry"] is None
    assert updated["company_name"] == "Rem" and updated["gross_salary"] == 30000


def test_moving_the_record_to_an_unknown_person_is_refused(api):
    record = create(api)
    response = api.put(f"/employment-data/{record['id']}", json={"person_id": str(uuid.uuid4())})
    assert (response.status_code, response.json()) == (422, UNKNOWN_PERSON)


def test_the_list_filters_by_person_newest_first(api):
    person_id = new_person(api)
    first, second = create(api, person_id=person_id), create(api, person_id=person_id)
    create(api)
    page = api.get(f"/employment-data?person_id={person_id}").json()["result"]
    assert [r["id"] for r in page["data"]] == [second["id"], first["id"]]
    assert (page["from"], page["to"], page["current_page"]) == (1, 2, 1)
    assert api.get(f"/employment-data?person_id={uuid.uuid4()}").json()["result"]["data"] == []


def test_unknown_ids_are_404(api):
    missing = str(uuid.uuid4())
    assert api.get(f"/employment-data/{missing}").status_code == 404
    assert api.put(f"/employment-data/{missing}", json={"position": "X"}).status_code == 404
    assert api.delete(f"/employment-data/{missing}").status_code == 404


def test_delete_removes_the_record_and_answers_its_id(api):
    record = create(api)
    response = api.delete(f"/employment-data/{record['id']}")
    assert response.json() == {"success": True, "result": {"id": record["id"]}}
    assert api.get(f"/employment-data/{record['id']}").status_code == 404


def test_create_update_and_delete_fire_updated_data_to_person_with_the_record(api, session_factory):
    record = create(api)
    api.put(f"/employment-data/{record['id']}", json={"position": "Líder"})
    api.put(f"/employment-data/{record['id']}", json={"position": "Líder"})  # no change: no event
    api.delete(f"/employment-data/{record['id']}")
    with session_factory() as s:
        events = s.query(OutboxEvent).filter_by(resource_id=record["id"]).order_by(OutboxEvent.created_at).all()
    assert [(e.name, e.resource_name) for e in events] == [("updated_data_to_person", "person_employment_data")] * 3
    assert events[0].payload == record
    assert events[1].payload["position"] == "Líder"


def test_the_person_history_shows_the_record_created_changed_and_deleted(api):
    record = create(api)
    api.put(f"/employment-data/{record['id']}", json={"net_salary": 26000})
    api.delete(f"/employment-data/{record['id']}")
    entries = api.get(f"/people/{record['person_id']}/history").json()["result"]["data"]
    mine = [e for e in entries if e["resource_type"] == "person_employment_data"]
    assert [e["action"] for e in mine] == ["delete", "update", "create"]
    assert (mine[1]["field"], mine[1]["old_value"], mine[1]["new_value"]) == ("net_salary", "25000.00", "26000.00")
