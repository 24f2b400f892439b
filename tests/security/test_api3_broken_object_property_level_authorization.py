"""API3:2023 Broken Object Property Level Authorization: mass assignment, masked fields, contact moves."""

import pytest

from tests.support import person_body

CLABE = "002010077777777771"
CARD = "1234567890123456"
BANK = {"bank": "Banamex", "account": "07777777777", "clabe": CLABE, "card_number": CARD}


def _person(client) -> str:
    response = client.post("/people", json=person_body())
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


@pytest.mark.parametrize(
    "extra",
    [
        {"id": "71266b80-f04b-4a2c-9314-963d3a182f2a"},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"deleted_at": "2020-01-01T00:00:00Z"},
        {"age": 99},
        {"validated_at": "2020-01-01T00:00:00Z"},
    ],
)
def test_server_owned_person_fields_cannot_be_assigned(api, extra):
    response = api.post("/people", json=person_body() | extra)
    assert response.status_code == 422 and next(iter(extra)) in response.json()["error"]


@pytest.mark.parametrize("extra", [{"validated_at": "2020-01-01T00:00:00Z"}, {"metadata": {"ok": True}}, {"id": "x"}])
def test_server_owned_bank_fields_cannot_be_assigned(client_with, extra):
    writer = client_with("read,write,sensitive")
    response = writer.post("/bank-data", json=BANK | {"person_id": _person(writer)} | extra)
    assert response.status_code == 422 and next(iter(extra)) in response.json()["error"]


def test_the_card_number_stays_masked_even_for_a_sensitive_key(client_with):
    sensitive = client_with("read,write,sensitive")
    created = sensitive.post("/bank-data", json=BANK | {"person_id": _person(sensitive)}).json()["result"]
    assert created["card_number"] == "************3456"
    shown = sensitive.get(f"/bank-data/{created['id']}").json()["result"]
    assert shown["card_number"] == "************3456" and CARD not in str(shown)


def test_account_and_clabe_are_masked_without_the_sensitive_scope_on_every_answer(client_with):
    writer = client_with("read,write")
    created = writer.post("/bank-data", json=BANK | {"person_id": _person(writer)})
    assert created.status_code == 200, created.text
    record = created.json()["result"]
    assert record["clabe"] == "**************7771" and record["account"] == "*******7777"
    updated = writer.put(f"/bank-data/{record['id']}", json={"bank": "Banamex SA"}).json()["result"]
    listed = writer.get("/bank-data", params={"person_id": record["person_id"]}).json()["result"]["data"]
    for view in (updated, listed[0], writer.get(f"/bank-data/{record['id']}").json()["result"]):
        assert CLABE not in str(view) and "07777777777" not in str(view)


def test_a_masked_value_sent_back_is_refused_not_stored(client_with):
    writer = client_with("read,write")
    record = writer.post("/bank-data", json=BANK | {"person_id": _person(writer)}).json()["result"]
    response = writer.put(f"/bank-data/{record['id']}", json={"clabe": record["clabe"]})
    assert response.status_code == 422 and "clabe" in response.json()["error"]
    assert client_with("read,sensitive").get(f"/bank-data/{record['id']}").json()["result"]["clabe"] == CLABE


def test_confirmed_contact_data_cannot_be_moved_to_another_person(api, last_code):
    from personas.domain.contact_data import KEEPS_PERSON
    from tests.api.test_contact_data import new_contact, new_person, send, verify

    contact = new_contact(api)
    send(api, "sms", contact)
    assert verify(api, "sms", contact, last_code("sms", contact["phone"])).json()["contact_data"]["sms_confirmation"]
    stranger = new_person(api)
    moved = api.put(f"/contact-data/{contact['id']}", json={"person_id": stranger})
    refused = {
        "success": False,
        "code": 422,
        "error": {"person_id": [KEEPS_PERSON.es]},
        "rules": {"person_id": [KEEPS_PERSON.code]},
    }
    assert (moved.status_code, moved.json()) == (422, refused)
    kept = api.get(f"/contact-data/{contact['id']}").json()["result"]
    assert (kept["person_id"], kept["sms_confirmation"]) == (contact["person_id"], True)
    assert api.get(f"/contact-data?person_id={stranger}").json()["result"]["data"] == []
