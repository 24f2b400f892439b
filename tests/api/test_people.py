"""People over HTTP: the seed's examples, the CURP rules, soft delete, restore, lookups, upsert."""

import uuid
from datetime import date

from tests.support import SEED_PERSON, new_curp, person_body


def create(api, **overrides):
    response = api.post("/people", json=person_body(**overrides))
    assert response.status_code == 201, response.text
    return response.json()["result"]


def test_the_seed_example_creates_a_person_with_fields_derived_and_computed(api):
    body = SEED_PERSON | {"national_id": new_curp(born=date(1988, 2, 12), state="DF")}
    response = api.post("/people", json=body)
    assert response.status_code == 201, response.text
    person = response.json()["result"]
    assert response.json()["success"] is True
    assert person["birthdate"] == "1988-02-12T00:00:00Z"
    assert person["gender"] == "MALE" and person["state_id"] == 7 and person["entity_of_birth"] == "DF"
    assert person["state"]["code"] == "DF" and person["nationality"]["code"] == "MEX"
    assert person["biometrics"] is None and person["addresses_similarity"] is None
    assert isinstance(person["age"], int) and person["age"] >= 36
    # 9 of the 15 profile items: ten person fields less tax_id and marital_status_id, no records yet
    assert person["information_percentage"] == 0.53
    assert person["created_at"].endswith("Z")


def test_birthdate_gender_and_state_are_derived_from_the_curp_when_not_sent(api):
    person = create(api, national_id=new_curp(born=date(1990, 5, 17), sex="M", state="NL"))
    assert person["birthdate"] == "1990-05-17T00:00:00Z"
    assert person["gender"] == "FEMALE"
    assert person["entity_of_birth"] == "NL" and person["state"]["name"] == "Nuevo León"


def test_a_curp_with_a_wrong_check_digit_is_refused_naming_the_field(api):
    curp = new_curp()
    wrong = curp[:17] + ("1" if curp[17] != "1" else "2")
    response = api.post("/people", json=person_body(national_id=wrong))
    assert response.status_code == 422
    body = response.json()
    assert body["success"] is False and body["code"] == 422 and "national_id" in body["error"]


def test_ignore_curp_validation_lets_an_invalid_curp_through_for_that_request(api):
    invalid = "ZZ" + uuid.uuid4().hex[:16].upper()  # unique: the import tests use a fixed invalid CURP
    response = api.post("/people", json=person_body(national_id=invalid, ignore_curp_validation=True))
    assert response.status_code == 201, response.text
    assert response.json()["result"]["birthdate"] is None


def test_a_birthdate_that_contradicts_the_curp_is_refused(api):
    response = api.post(
        "/people", json=person_body(national_id=new_curp(born=date(1980, 1, 1)), birthdate="1981-01-01")
    )
    assert response.status_code == 422
    assert "birthdate" in response.json()["error"]


def test_a_duplicate_national_id_is_refused_while_the_first_person_lives(api):
    curp = new_curp()
    create(api, national_id=curp)
    response = api.post("/people", json=person_body(national_id=curp))
    assert response.status_code == 422 and "national_id" in response.json()["error"]


def test_an_invalid_rfc_is_refused_and_a_valid_one_is_kept(api):
    bad = api.post("/people", json=person_body(tax_id="NOTANRFC"))
    assert bad.status_code == 422 and "tax_id" in bad.json()["error"]
    good = create(api, tax_id="GODE561231GR8")
    assert good["tax_id"] == "GODE561231GR8"


def test_unknown_catalog_ids_and_group_are_refused(api):
    response = api.post(
        "/people",
        json=person_body(
            nationality_id=9999, marital_status_id=999, people_group_id="71266b80-f04b-4a2c-9314-963d3a182f2a"
        ),
    )
    assert response.status_code == 422
    assert {"nationality_id", "marital_status_id", "people_group_id"} <= set(response.json()["error"])


def test_an_update_changes_only_the_fields_sent(api):
    person = create(api, external_ref_id="ext-upd-1")
    response = api.put(f"/people/{person['id']}", json={"name": "Beatriz"})
    assert response.status_code == 200
    updated = response.json()["result"]
    assert updated["name"] == "Beatriz" and updated["external_ref_id"] == "ext-upd-1"
    assert updated["first_lastname"] == person["first_lastname"]


def test_an_update_that_contradicts_the_curp_is_refused_and_changes_nothing(api):
    person = create(api, national_id=new_curp(sex="H"))
    response = api.put(f"/people/{person['id']}", json={"gender": "FEMALE", "name": "Nope"})
    assert response.status_code == 422
    assert api.get(f"/people/{person['id']}").json()["result"]["name"] == person["name"]


def test_a_deleted_person_leaves_lookups_and_comes_back_with_restore(api):
    person = create(api, external_ref_id=f"ext-{new_curp()}", facetec_ref_id=f"ft-{new_curp()}")
    pid = person["id"]
    assert api.delete(f"/people/{pid}").json() == {"success": True, "result": {"id": pid}}
    assert api.get(f"/people/{pid}").status_code == 404
    assert api.get(f"/people/external/{person['external_ref_id']}").status_code == 404
    assert api.get(f"/people/facetec/{person['facetec_ref_id']}").status_code == 404
    assert api.get(f"/people/national-id/{person['national_id']}").status_code == 404
    assert api.post("/people/search/ids", json={"ids": [pid]}).json()["result"] == []
    restored = api.post(f"/people/{pid}/restore")
    assert restored.status_code == 200 and restored.json()["result"]["id"] == pid
    assert api.get(f"/people/{pid}").status_code == 200


def test_restoring_a_person_that_is_not_deleted_is_refused(api):
    person = create(api)
    assert api.post(f"/people/{person['id']}/restore").status_code == 422


def test_a_deleted_persons_curp_can_be_reused_and_then_restore_is_refused(api):
    curp = new_curp()
    first = create(api, national_id=curp)
    api.delete(f"/people/{first['id']}")
    create(api, national_id=curp)
    response = api.post(f"/people/{first['id']}/restore")
    assert response.status_code == 422 and "national_id" in response.json()["error"]


def test_unknown_ids_are_404_in_the_error_envelope(api):
    response = api.get("/people/71266b80-f04b-4a2c-9314-963d3a182f2a")
    assert response.status_code == 404
    assert response.json()["success"] is False and response.json()["code"] == 404


def test_people_are_found_by_ids_and_by_external_ids(api):
    a, b = create(api, external_ref_id=f"x-{new_curp()}"), create(api)
    found = api.post("/people/search/ids", json={"ids": [a["id"], b["id"], "71266b80-f04b-4a2c-9314-963d3a182f2a"]})
    assert {p["id"] for p in found.json()["result"]} == {a["id"], b["id"]}
    by_ext = api.post("/people/search/external-ids", json={"external_ref_id": [a["external_ref_id"]]})
    assert [p["id"] for p in by_ext.json()["result"]] == [a["id"]]
    assert api.get(f"/people/external/{a['external_ref_id']}").json()["result"]["id"] == a["id"]
    assert api.get(f"/people/external-id/{a['external_ref_id']}").json()["result"]["id"] == a["id"]


def test_a_person_is_found_by_facetec_id_and_by_national_id_with_its_records(api):
    person = create(api, facetec_ref_id=f"ft-{new_curp()}")
    assert api.get(f"/people/facetec/{person['facetec_ref_id']}").json()["result"]["id"] == person["id"]
    detail = api.get(f"/people/national-id/{person['national_id']}").json()["result"]
    assert detail["id"] == person["id"]
    assert detail["addresses"] == [] and detail["contact_data"] == [] and detail["references"] == []


def test_upsert_by_national_id_creates_then_updates(api):
    curp = new_curp()
    created = api.put("/people/national-id", json=person_body(national_id=curp, name="Primera"))
    assert created.status_code == 201
    updated = api.put("/people/national-id", json={"national_id": curp, "name": "Segunda"})
    assert updated.status_code == 200
    assert updated.json()["result"]["id"] == created.json()["result"]["id"]
    assert updated.json()["result"]["name"] == "Segunda" and updated.json()["result"]["addresses"] == []


def test_the_list_is_paginated_with_the_seeds_paginator(api):
    for _ in range(3):
        create(api)
    first = api.get("/people?per_page=2").json()["result"]
    assert first["current_page"] == 1 and first["per_page"] == 2 and len(first["data"]) == 2
    assert first["from"] == 1 and first["to"] == 2 and first["prev_page_url"] is None
    assert "page=2" in first["next_page_url"]
    second = api.get("/people?per_page=2&page=2").json()["result"]
    assert second["from"] == 3 and {p["id"] for p in second["data"]}.isdisjoint({p["id"] for p in first["data"]})


def test_the_history_records_create_update_delete_and_restore_with_the_api_key(api):
    person = create(api)
    pid = person["id"]
    api.put(f"/people/{pid}", json={"name": "Nuevo"})
    api.delete(f"/people/{pid}")
    api.post(f"/people/{pid}/restore")
    entries = api.get(f"/people/{pid}/history").json()["result"]["data"]
    assert [e["action"] for e in entries] == ["restore", "delete", "update", "create"]
    update = entries[2]
    assert update["field"] == "name" and update["old_value"] == "Ana" and update["new_value"] == "Nuevo"
    assert entries[3]["new_value"]["national_id"] == person["national_id"]
    assert all(e["api_key"]["name"] == "tests" for e in entries)


def test_a_failed_update_leaves_no_history(api):
    person = create(api)
    api.put(f"/people/{person['id']}", json={"nationality_id": 99999})
    entries = api.get(f"/people/{person['id']}/history").json()["result"]["data"]
    assert [e["action"] for e in entries] == ["create"]
