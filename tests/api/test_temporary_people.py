"""Temporary people over HTTP: stored as sent, and promoted to a person in one transaction."""

import uuid
from datetime import date

import clabe
from sqlalchemy import text

from personas.domain.people import DUPLICATE
from personas.domain.temporary_people import ALREADY_PROMOTED
from personas.handlers.schemas.temporary_people import INVALID, MISSING
from tests.support import new_curp

SEED_TEMPORARY = {
    "facetec_ref_id": "dev-71266b80-f04b-4a2c-9314-963d3a182f2a",
    "external_ref_id": "external-123456789",
    "name": "John Doe",
    "first_lastname": "Doe",
    "second_lastname": "Smith",
    "national_id": "123456789012",
    "tax_id": "1234567890",
    "birthdate": "1990-01-01",
    "gender": "MALE",
    "extra_data": {},
    "bank_data": {},
    "employment_data": {},
}
CLABE = "002010077777777771"
BANK = {"bank": "Banamex", "account": "07777777777", "clabe": CLABE, "card_number": "1234567890123456"}
EMPLOYMENT = {"position": "Desarrollador", "company_name": "Rem", "hiring_date": "2022-01-01", "gross_salary": 30000}
UNKNOWN_ID = "71266b80-f04b-4a2c-9314-963d3a182f2a"


def create(api, **fields) -> dict:
    response = api.post("/temporary-people", json=fields)
    assert response.status_code == 201, response.text
    return response.json()["result"]


def valid_temporary(api, **overrides) -> dict:
    """A temporary person whose data passes every rule of POST /people, /employment-data and /bank-data."""
    body = {
        "name": "Juan",
        "first_lastname": "Perez",
        "second_lastname": "Suares",
        "national_id": new_curp(born=date(1988, 2, 12), state="DF"),
        "extra_data": {"source": "app", "channel": "web"},
        "bank_data": BANK,
        "employment_data": EMPLOYMENT,
    }
    return create(api, **body | overrides)


def promote(api, temporary_id, **body):
    return api.post(f"/temporary-people/{temporary_id}/promote", json=body)


def records_of(api, resource, person_id) -> list:
    return api.get(f"/{resource}?person_id={person_id}").json()["result"]["data"]


def test_the_seed_example_is_stored_as_sent_without_identity_checks(api):
    created = create(api, **SEED_TEMPORARY)
    assert {k: created[k] for k in SEED_TEMPORARY} == SEED_TEMPORARY
    assert created["biometrics"] is None and created["person_id"] is None and created["callback_url"] is None
    assert created["created_at"].endswith("Z")
    assert api.get(f"/temporary-people/{created['id']}").json() == {"success": True, "result": created}


def test_no_field_is_required(api):
    created = create(api)
    assert created["name"] is None and created["bank_data"] is None and created["person_id"] is None


def test_an_update_changes_only_what_is_sent_replaces_objects_and_null_clears(api):
    created = create(api, **SEED_TEMPORARY | {"extra_data": {"a": 1, "b": 2}})
    response = api.put(
        f"/temporary-people/{created['id']}", json={"name": "John", "extra_data": {"c": 3}, "tax_id": None}
    )
    assert response.status_code == 200, response.text
    updated = response.json()["result"]
    assert updated["name"] == "John" and updated["first_lastname"] == "Doe"
    assert updated["extra_data"] == {"c": 3} and updated["tax_id"] is None


def test_unknown_temporary_people_are_404(api):
    assert api.get(f"/temporary-people/{UNKNOWN_ID}").status_code == 404
    assert api.put(f"/temporary-people/{UNKNOWN_ID}", json={"name": "x"}).status_code == 404
    response = promote(api, UNKNOWN_ID)
    assert response.json() == {"success": False, "code": 404, "error": "No se encontró la persona temporal"}


def test_the_list_is_paginated_newest_first(api):
    older, newer = create(api, name="Uno"), create(api, name="Dos")
    page = api.get("/temporary-people?per_page=2").json()["result"]
    assert [t["id"] for t in page["data"]] == [newer["id"], older["id"]]
    assert page["current_page"] == 1 and page["per_page"] == 2


def test_bank_data_leaves_with_the_card_masked_and_is_encrypted_at_rest(api, session_factory):
    created = create(api, bank_data=BANK)
    assert created["bank_data"] == BANK | {"card_number": "************3456"}
    with session_factory() as session:
        raw = session.execute(text("SELECT bank_data FROM temporary_people WHERE id = :id"), {"id": created["id"]})
        stored = raw.scalar_one()
    assert CLABE not in stored and "07777777777" not in stored and "3456" not in stored


def test_digits_sent_as_numbers_are_kept_as_their_text_as_the_records_own_operations_keep_them(api):
    created = create(
        api,
        bank_data={"bank": "BBVA", "account": 1500123456, "clabe": 12345678901234568, "card_number": None},
        employment_data={"company_phone": 5512345678},
    )
    assert created["bank_data"] == {
        "bank": "BBVA",
        "account": "1500123456",
        "clabe": "012345678901234568",
        "card_number": None,
    }
    assert created["employment_data"] == {"company_phone": "5512345678"}


def test_bank_data_must_be_empty_or_carry_bank_account_and_clabe(api):
    response = api.post("/temporary-people", json={"bank_data": {"bank": "Banamex"}})
    assert response.status_code == 422 and "bank_data" in response.json()["error"]
    response = api.post("/temporary-people", json={"bank_data": BANK | {"iban": "x"}})
    assert response.status_code == 422 and "bank_data.iban" in response.json()["error"]


def test_promotion_creates_the_person_its_records_and_links_both_ways(api):
    temporary = valid_temporary(api, callback_url=None)
    response = promote(api, temporary["id"], extra_data={"channel": "promote"})
    assert response.status_code == 201, response.text
    person = response.json()["result"]
    assert person["temporary_ref_id"] == temporary["id"]
    assert (person["name"], person["national_id"]) == ("Juan", temporary["national_id"])
    # Derived from the CURP, like any person.
    assert person["birthdate"] == "1988-02-12T00:00:00Z" and person["state_id"] == 7
    assert person["extra_data"] == {"source": "app", "channel": "promote"}
    assert api.get(f"/temporary-people/{temporary['id']}").json()["result"]["person_id"] == person["id"]
    assert api.get(f"/people/{person['id']}").json()["result"]["temporary_ref_id"] == temporary["id"]
    [employment] = records_of(api, "employment-data", person["id"])
    assert employment["position"] == "Desarrollador" and employment["hiring_date"] == "2022-01-01"
    [bank] = records_of(api, "bank-data", person["id"])
    assert bank["clabe"] == CLABE and bank["card_number"].endswith("3456") and bank["metadata"]["ok"] is True
    history = api.get(f"/people/{person['id']}/history").json()["result"]["data"]
    assert {h["resource_type"] for h in history if h["action"] == "create"} >= {
        "person",
        "person_employment_data",
        "person_bank_data",
    }


def test_person_data_and_sent_records_win_over_the_temporary_ones(api):
    temporary = valid_temporary(api)
    other_clabe = "012180015001234567"
    other_clabe = other_clabe[:17] + clabe.compute_control_digit(other_clabe[:17])
    response = promote(
        api,
        temporary["id"],
        person_data={"name": "Juana", "gender": "MALE", "extra_data": {"source": "person_data"}},
        bank_data={"bank": "BBVA", "account": "1500123456", "clabe": other_clabe},
    )
    assert response.status_code == 201, response.text
    person = response.json()["result"]
    assert person["name"] == "Juana" and person["first_lastname"] == "Perez"
    assert person["extra_data"] == {"source": "person_data", "channel": "web"}
    [bank] = records_of(api, "bank-data", person["id"])
    assert bank["clabe"] == other_clabe and bank["bank"] == "BBVA"


def test_the_seed_example_is_checked_like_any_person_when_promoted(api):
    temporary = create(api, **SEED_TEMPORARY)
    # A real CURP of a man born on the seed's birthdate, sent in person_data as the seed's promotion does.
    curp = new_curp(born=date(1990, 1, 1), sex="H")
    names = {"national_id": curp, "name": "Juan", "first_lastname": "Perez", "second_lastname": "Suares"}
    body = {"person_data": names, "employment_data": {}, "bank_data": {}, "extra_data": {}}
    response = promote(api, temporary["id"], **body)
    # The seed's RFC "1234567890" is not an RFC: kept from the temporary person, it is refused.
    assert response.status_code == 422
    assert list(response.json()["error"]) == ["person_data.tax_id"]
    response = promote(api, temporary["id"], **body | {"person_data": names | {"tax_id": None}})
    assert response.status_code == 201, response.text
    person = response.json()["result"]
    assert person["national_id"] == curp and person["tax_id"] is None
    assert person["external_ref_id"] == "external-123456789" and person["extra_data"] == {}


def test_promoting_twice_is_a_422(api):
    temporary = valid_temporary(api)
    assert promote(api, temporary["id"]).status_code == 201
    response = promote(api, temporary["id"])
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"id": [ALREADY_PROMOTED.es]},
        "rules": {"id": ["already_promoted"]},
    }


def _nothing_was_stored(api, temporary) -> None:
    assert api.get(f"/temporary-people/{temporary['id']}").json()["result"]["person_id"] is None
    assert api.get(f"/people/national-id/{temporary['national_id']}").status_code == 404


def test_an_invalid_clabe_refuses_the_whole_promotion_naming_bank_data_clabe(api):
    bad = CLABE[:17] + str((int(CLABE[17]) + 1) % 10)
    temporary = valid_temporary(api, bank_data=BANK | {"clabe": bad})
    response = promote(api, temporary["id"])
    assert response.status_code == 422
    assert list(response.json()["error"]) == ["bank_data.clabe"]
    _nothing_was_stored(api, temporary)
    # Fixed in the request, the same temporary person promotes.
    assert promote(api, temporary["id"], bank_data=BANK).status_code == 201


def test_broken_employment_rules_are_named_under_employment_data(api):
    temporary = valid_temporary(api, employment_data=EMPLOYMENT | {"termination_date": "2021-01-01"})
    response = promote(api, temporary["id"])
    assert response.status_code == 422
    assert list(response.json()["error"]) == ["employment_data.termination_date"]
    _nothing_was_stored(api, temporary)


def test_the_temporary_curp_is_checked_like_any_person(api):
    temporary = valid_temporary(api, national_id="PESJ880212HDFHLX09")
    response = promote(api, temporary["id"])
    assert response.status_code == 422
    assert "CURP inválida" in response.json()["error"]["person_data.national_id"][0]
    _nothing_was_stored(api, temporary)


def test_ignore_curp_validation_is_honoured_but_the_shape_of_post_people_still_holds(api):
    not_a_curp = f"ZZ{uuid.uuid4().hex[:16].upper()}"  # 18 letters and digits, unique, no valid CURP
    temporary = valid_temporary(api, national_id=not_a_curp)
    response = promote(api, temporary["id"], person_data={"ignore_curp_validation": True})
    assert response.status_code == 201, response.text
    assert response.json()["result"]["national_id"] == not_a_curp
    short = create(api, **SEED_TEMPORARY)
    response = promote(api, short["id"], person_data={"ignore_curp_validation": True})
    assert response.status_code == 422
    messages = response.json()["error"]["person_data.national_id"]
    assert messages and all(m.startswith(INVALID.es.split("{}")[0]) for m in messages)


def test_a_person_needs_its_names_from_person_data_or_the_temporary_person(api):
    temporary = create(api, national_id=new_curp())
    response = promote(api, temporary["id"])
    assert response.status_code == 422
    assert response.json()["error"] == {
        "person_data.name": [MISSING.es],
        "person_data.first_lastname": [MISSING.es],
        "person_data.second_lastname": [MISSING.es],
    }
    names = {"name": "Ana", "first_lastname": "López", "second_lastname": "Díaz"}
    assert promote(api, temporary["id"], person_data=names).status_code == 201


def test_a_national_id_in_use_is_a_422_and_leaves_the_temporary_person_unpromoted(api):
    first = valid_temporary(api)
    assert promote(api, first["id"]).status_code == 201
    second = valid_temporary(api, national_id=first["national_id"])
    response = promote(api, second["id"])
    assert response.status_code == 422
    assert response.json()["error"] == {"person_data.national_id": [DUPLICATE.es]}
    assert api.get(f"/temporary-people/{second['id']}").json()["result"]["person_id"] is None


def test_person_data_is_held_to_the_person_schema(api):
    temporary = valid_temporary(api)
    response = promote(api, temporary["id"], person_data={"nickname": "Juanito"})
    assert response.status_code == 422 and "person_data.nickname" in response.json()["error"]
