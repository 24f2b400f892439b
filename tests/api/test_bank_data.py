"""Bank data over HTTP: CLABE validation and description, masking, events and history without clear numbers."""

import uuid

import pytest

from personas.persistence.models import OutboxEvent
from tests.support import person_body

CLABE = "002010077777777771"  # Banamex, plaza 010, account 07777777777, control digit 1 (the seed's metadata)
OTHER_CLABE = "012180001234567899"  # BBVA
BANK = {"bank": "Banamex", "account": "07777777777", "clabe": CLABE, "card_number": "1234567890123456"}
SEED_METADATA = {
    "ok": True,
    "formatOk": True,
    "error": None,
    "message": "Valid",
    "clabe": CLABE,
    "tag": "BANAMEX",
    "bank": "Banamex",
    "city": None,
    "multiple": False,
    "total": 0,
    "account": "07777777777",
    "code": {"bank": "002", "city": "010"},
    "checksum": 1,
}


def new_person(api) -> str:
    response = api.post("/people", json=person_body())
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


def create(api, **overrides) -> dict:
    body = BANK | {"person_id": overrides.pop("person_id", None) or new_person(api)} | overrides
    response = api.post("/bank-data", json=body)
    assert response.status_code == 200, response.text  # the seed's status for this create
    return response.json()["result"]


def refusal(field: str, message: str, rule: str) -> dict:
    return {"success": False, "code": 422, "error": {field: [message]}, "rules": {field: [rule]}}


def test_a_valid_clabe_is_described_in_metadata_and_validated_at_is_set(api):
    record = create(api)
    assert record["metadata"] == SEED_METADATA
    assert record["validated_at"].endswith("Z")
    assert (record["bank"], record["account"], record["clabe"]) == ("Banamex", "07777777777", CLABE)
    assert api.get(f"/bank-data/{record['id']}").json() == {"success": True, "result": record}


def test_the_card_number_is_returned_with_only_its_last_four_digits(api):
    record = create(api)
    assert record["card_number"] == "************3456"
    person_id = record["person_id"]
    listed = api.get(f"/bank-data?person_id={person_id}").json()["result"]["data"]
    assert [r["card_number"] for r in listed] == ["************3456"]
    assert create(api, card_number=None)["card_number"] is None


def test_a_clabe_with_a_wrong_control_digit_is_refused(api):
    body = BANK | {"person_id": new_person(api), "clabe": CLABE[:17] + "2"}
    response = api.post("/bank-data", json=body)
    assert (response.status_code, response.json()) == (
        422,
        refusal("clabe", "Dígito de control inválido", "clabe_check_digit"),
    )


def test_a_clabe_of_an_unknown_bank_is_refused(api):
    clabe = "999010077777777774"  # right control digit, no such bank
    response = api.post("/bank-data", json=BANK | {"person_id": new_person(api), "clabe": clabe})
    assert (response.status_code, response.json()) == (
        422,
        refusal("clabe", "Banco desconocido", "clabe_unknown_bank"),
    )


def test_a_clabe_that_is_not_eighteen_digits_is_refused_by_the_contract(api):
    for clabe in ("12345678901234568", "00201007777777777A"):
        response = api.post("/bank-data", json=BANK | {"person_id": new_person(api), "clabe": clabe})
        assert response.status_code == 422 and list(response.json()["error"]) == ["clabe"]


def test_the_seeds_numbers_are_stored_as_their_digits_and_a_clabe_gets_back_its_leading_zero(api):
    # The seed's sample as written: account, CLABE and card as JSON numbers. A number has no leading
    # zero, and every CLABE has 18 digits: 12345678901234568 is the BBVA CLABE 012345678901234568.
    body = {"bank": "Banamex", "account": 1234567890, "clabe": 12345678901234568, "card_number": 1234567890123456}
    record = create(api, **body)
    assert (record["account"], record["clabe"]) == ("1234567890", "012345678901234568")
    assert record["card_number"] == "************3456"
    assert record["metadata"]["ok"] is True and record["metadata"]["code"] == {"bank": "012", "city": "345"}
    updated = api.put(f"/bank-data/{record['id']}", json={"account": 7777777777, "clabe": 2010077777777771})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["result"]["account"], updated.json()["result"]["clabe"]) == ("7777777777", CLABE)


@pytest.mark.parametrize(
    ("field", "sent"),
    [
        ("account", 123),  # three digits
        ("account", -1234567890),
        ("account", 1234567890.5),
        ("clabe", 2010077777777772),  # padded to 18 digits, its control digit is wrong
        ("clabe", 10**18),  # nineteen digits
        ("card_number", 12345678901),  # eleven digits
        ("card_number", True),
    ],
)
def test_numbers_that_are_no_such_digits_are_refused_naming_the_field(api, field, sent):
    response = api.post("/bank-data", json=BANK | {"person_id": new_person(api), field: sent})
    assert response.status_code == 422, response.text
    assert list(response.json()["error"]) == [field]


def test_bank_account_and_clabe_are_required(api):
    response = api.post("/bank-data", json={"person_id": new_person(api)})
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"bank", "account", "clabe"}


def test_an_unknown_person_is_a_422_naming_person_id(api):
    response = api.post("/bank-data", json=BANK | {"person_id": str(uuid.uuid4())})
    assert (response.status_code, response.json()) == (
        422,
        refusal("person_id", "No existe la persona", "unknown_person"),
    )


def test_changing_the_clabe_validates_it_again_and_renews_metadata(api):
    record = create(api)
    response = api.put(f"/bank-data/{record['id']}", json={"clabe": OTHER_CLABE, "bank": "BBVA"})
    assert response.status_code == 200, response.text
    updated = response.json()["result"]
    assert updated["clabe"] == OTHER_CLABE and updated["metadata"]["tag"] == "BBVA MEXICO"
    assert updated["metadata"]["code"] == {"bank": "012", "city": "180"}
    assert updated["validated_at"] >= record["validated_at"]
    assert updated["account"] == record["account"] and updated["card_number"] == record["card_number"]


def test_an_update_with_an_invalid_clabe_changes_nothing(api):
    record = create(api)
    response = api.put(f"/bank-data/{record['id']}", json={"clabe": OTHER_CLABE[:17] + "0", "bank": "Otro"})
    assert response.status_code == 422 and list(response.json()["error"]) == ["clabe"]
    assert api.get(f"/bank-data/{record['id']}").json()["result"] == record


def test_an_update_that_leaves_the_clabe_keeps_its_validation_time(api):
    record = create(api)
    updated = api.put(f"/bank-data/{record['id']}", json={"clabe": CLABE, "card_number": None}).json()["result"]
    assert updated["validated_at"] == record["validated_at"] and updated["card_number"] is None


def test_unknown_ids_are_404_and_delete_answers_the_id(api):
    missing = str(uuid.uuid4())
    assert api.get(f"/bank-data/{missing}").status_code == 404
    assert api.put(f"/bank-data/{missing}", json={"bank": "X"}).status_code == 404
    record = create(api)
    assert api.delete(f"/bank-data/{record['id']}").json() == {"success": True, "result": {"id": record["id"]}}
    assert api.get(f"/bank-data/{record['id']}").status_code == 404


def test_events_carry_the_record_with_account_clabe_and_card_masked(api, session_factory):
    record = create(api)
    api.put(f"/bank-data/{record['id']}", json={"bank": "Citi"})
    with session_factory() as s:
        events = s.query(OutboxEvent).filter_by(resource_id=record["id"]).order_by(OutboxEvent.created_at).all()
    assert [(e.name, e.resource_name) for e in events] == [("updated_data_to_person", "person_bank_data")] * 2
    payload = events[0].payload
    assert (payload["account"], payload["clabe"], payload["card_number"]) == (
        "*******7777",
        "**************7771",
        "************3456",
    )
    assert payload["metadata"]["clabe"] == "**************7771" and payload["metadata"]["tag"] == "BANAMEX"
    assert events[1].payload["bank"] == "Citi"
    assert "07777777777" not in str([e.payload for e in events]) and CLABE not in str([e.payload for e in events])


def test_history_records_the_changes_without_the_numbers(api):
    record = create(api)
    api.put(f"/bank-data/{record['id']}", json={"clabe": OTHER_CLABE})
    api.delete(f"/bank-data/{record['id']}")
    entries = api.get(f"/people/{record['person_id']}/history").json()["result"]["data"]
    mine = [e for e in entries if e["resource_type"] == "person_bank_data"]
    assert [e["action"] for e in mine if e["field"] != "validated_at"] == ["delete", "update", "create"]
    assert {e["field"] for e in mine if e["action"] == "update"} == {"clabe", "validated_at"}
    text = str(mine)
    assert CLABE not in text and OTHER_CLABE not in text and "07777777777" not in text
    created = mine[-1]["new_value"]
    assert (created["account"], created["clabe"], created["card_number"], created["bank"]) == ("***",) * 3 + (
        "Banamex",
    )
