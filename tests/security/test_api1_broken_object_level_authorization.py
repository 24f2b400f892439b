"""API1:2023 Broken Object Level Authorization: a key reaches only what its scopes allow."""

from tests.support import person_body

CLABE = "002010077777777771"
BANK = {"bank": "Banamex", "account": "07777777777", "clabe": CLABE, "card_number": "1234567890123456"}


def _person(client) -> str:
    response = client.post("/people", json=person_body())
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


def test_a_read_only_key_reads_another_keys_person_but_cannot_change_or_delete_it(client_with):
    person_id = _person(client_with("write"))
    reader = client_with("read")
    assert reader.get(f"/people/{person_id}").status_code == 200
    assert reader.put(f"/people/{person_id}", json={"name": "Otro"}).status_code == 403
    assert reader.delete(f"/people/{person_id}").status_code == 403
    assert client_with("read,write").get(f"/people/{person_id}").json()["result"]["name"] == "Ana"


def test_a_write_key_cannot_read_what_it_wrote(client_with):
    writer = client_with("write")
    person_id = _person(writer)
    response = writer.get(f"/people/{person_id}")
    assert response.status_code == 403 and "'read'" in response.json()["error"]


def test_a_key_without_admin_cannot_subscribe_to_every_event(client_with):
    body = {"name": "webhook", "type": "webhook", "events": ["person_register"], "config": {"url": "https://x.example"}}
    response = client_with("read,write,sensitive").post("/notification-channels", json=body)
    assert response.status_code == 403 and "'admin'" in response.json()["error"]


def test_bank_numbers_written_by_a_sensitive_key_stay_masked_for_other_keys(client_with):
    sensitive = client_with("read,write,sensitive")
    created = sensitive.post("/bank-data", json=BANK | {"person_id": _person(sensitive)})
    assert created.status_code == 200, created.text
    record_id = created.json()["result"]["id"]
    full = sensitive.get(f"/bank-data/{record_id}").json()["result"]
    assert full["clabe"] == CLABE and full["account"] == "07777777777"
    masked = client_with("read").get(f"/bank-data/{record_id}").json()["result"]
    assert masked["clabe"] == "**************7771" and masked["account"] == "*******7777"
    assert masked["metadata"]["clabe"] == "**************7771" and masked["metadata"]["account"] == "*******7777"
    assert CLABE not in str(client_with("read").get("/bank-data", params={"person_id": full["person_id"]}).json())
