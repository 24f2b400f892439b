"""Contact data over HTTP: CRUD with normalised email and phone, and the SMS and email codes that confirm them.

Codes are read where the local senders write them (settings.local_outbox), as a developer would.
"""

import random
import uuid
from datetime import datetime, timedelta

import phonenumbers
import pytest

from personas.domain.contact_codes import EXHAUSTED, EXPIRED, NO_CODE, USED, WRONG
from personas.domain.contact_data import INVALID_PHONE, KEEPS_PERSON, RECENT_CODES
from personas.domain.records import UNKNOWN_PERSON
from tests.support import person_body, writing

_rng = random.Random()


def new_phone() -> str:
    """A valid Mexico City mobile number, ten digits, unlikely to be used by another test."""
    while True:
        digits = f"55{_rng.randrange(10**8):08d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "MX")):
            return digits


def new_email() -> str:
    return f"ana.{uuid.uuid4().hex[:12]}@example.com"


def new_person(api) -> str:
    response = api.post("/people", json=person_body())
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


def new_contact(api, **overrides) -> dict:
    body = {
        "person_id": overrides.pop("person_id", None) or new_person(api),
        "email": new_email(),
        "phone": new_phone(),
    }
    response = api.post("/contact-data", json=body | overrides)
    assert response.status_code == 201, response.text
    return response.json()["result"]


def send(api, channel: str, contact: dict, address: str | None = None):
    field = "phone" if channel == "sms" else "email"
    return api.post(
        f"/contact-data/{channel}/send", json={"person_id": contact["person_id"], field: address or contact[field]}
    )


def verify(api, channel: str, contact: dict, code: str, address: str | None = None):
    field = "phone" if channel == "sms" else "email"
    body = {"person_id": contact["person_id"], field: address or contact[field], "code": code}
    return api.post(f"/contact-data/{channel}/verify", json=body)


def other_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def code_error(message: str, rule: str) -> dict:
    return {"success": False, "code": 422, "error": {"code": [message.es]}, "rules": {"code": [rule]}}


def stored_code(session_factory, contact_id: str, channel: str):
    from personas.persistence.models.contact_codes import ContactCode

    with session_factory() as s:
        return s.query(ContactCode).filter_by(contact_data_id=contact_id, channel=channel).one()


def age_codes(session_factory, contact_id: str, by: timedelta = timedelta(hours=1, seconds=1)) -> None:
    """Move the contact's codes back in time, as if they had been sent `by` earlier."""
    from personas.persistence.models.contact_codes import ContactCode

    with writing(session_factory) as s:
        for issued in s.query(ContactCode).filter_by(contact_data_id=contact_id):
            issued.created_at -= by
            issued.expires_at -= by
        s.commit()


# --- records ---------------------------------------------------------------------------------------


def test_the_seed_example_creates_unconfirmed_contact_data_with_the_phone_in_e164(api):
    person_id = new_person(api)
    response = api.post(
        "/contact-data", json={"person_id": person_id, "email": "user@example.com", "phone": "525591038054"}
    )
    assert response.status_code == 201, response.text
    contact = response.json()["result"]
    assert contact["phone"] == "+525591038054" and contact["email"] == "user@example.com"
    assert contact["email_confirmation"] is False and contact["sms_confirmation"] is False
    assert contact["created_at"].endswith("Z") and contact["person_id"] == person_id
    assert api.get(f"/contact-data/{contact['id']}").json() == {"success": True, "result": contact}


@pytest.mark.parametrize(
    "written", ["5591038054", "525591038054", "+52 55 9103 8054", "(55) 9103-8054", "5215591038054"]
)
def test_a_mexican_phone_is_stored_the_same_way_however_it_is_written(api, written):
    assert new_contact(api, phone=written)["phone"] == "+525591038054"


def test_a_foreign_phone_with_its_country_code_is_kept_in_e164(api):
    assert new_contact(api, phone="+1 415 555 2671")["phone"] == "+14155552671"


def test_a_phone_that_is_not_a_number_anywhere_is_refused_naming_the_field(api):
    response = api.post("/contact-data", json={"person_id": new_person(api), "email": new_email(), "phone": "1234567"})
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"phone": [INVALID_PHONE.es]},
        "rules": {"phone": ["invalid_phone"]},
    }


def test_the_email_domain_is_normalised(api):
    assert new_contact(api, email="Ana.Lopez@EXAMPLE.Com")["email"] == "Ana.Lopez@example.com"


def test_the_seeds_email_with_a_one_label_domain_is_an_email(api):
    # The seed's sample sends user@example: a private network's mail domain may be a single name.
    assert new_contact(api, email="user@example")["email"] == "user@example"
    contact = new_contact(api)
    updated = api.put(f"/contact-data/{contact['id']}", json={"email": "User@Example"})
    assert updated.status_code == 200 and updated.json()["result"]["email"] == "User@example"


@pytest.mark.parametrize(
    "garbage",
    ["user", "user@", "@example", "us er@example", "user@exa mple", "user@@example", "a..b@example",
     "user@localhost", "user@10.0.0.1", "user@[10.0.0.1]", "user@123", "user@-example", "user@example.invalid"],
)  # fmt: skip
def test_what_is_no_email_is_still_refused_naming_the_field(api, garbage):
    response = api.post("/contact-data", json={"person_id": new_person(api), "email": garbage, "phone": new_phone()})
    assert response.status_code == 422, response.text
    assert list(response.json()["error"]) == ["email"]


def test_contact_data_of_an_unknown_or_deleted_person_is_refused_naming_person_id(api):
    refused = {
        "success": False,
        "code": 422,
        "error": {"person_id": [UNKNOWN_PERSON.es]},
        "rules": {"person_id": ["unknown_person"]},
    }
    body = {"email": new_email(), "phone": new_phone()}
    response = api.post("/contact-data", json=body | {"person_id": str(uuid.uuid4())})
    assert (response.status_code, response.json()) == (422, refused)
    person_id = new_person(api)
    api.delete(f"/people/{person_id}")
    response = api.post("/contact-data", json=body | {"person_id": person_id})
    assert (response.status_code, response.json()) == (422, refused)


def test_contact_data_is_listed_by_person_newest_first(api):
    person_id = new_person(api)
    first, second = new_contact(api, person_id=person_id), new_contact(api, person_id=person_id)
    new_contact(api)
    page = api.get(f"/contact-data?person_id={person_id}").json()["result"]
    assert [c["id"] for c in page["data"]] == [second["id"], first["id"]]
    assert page["current_page"] == 1 and page["from"] == 1 and page["to"] == 2


def test_an_update_is_partial_and_keeps_the_person(api):
    contact = new_contact(api)
    updated = api.put(f"/contact-data/{contact['id']}", json={"email": "nuevo@example.com"}).json()["result"]
    assert updated["email"] == "nuevo@example.com" and updated["phone"] == contact["phone"]
    same = api.put(f"/contact-data/{contact['id']}", json={"person_id": contact["person_id"]})
    assert same.status_code == 200, same.text
    refused = {
        "success": False,
        "code": 422,
        "error": {"person_id": [KEEPS_PERSON.es]},
        "rules": {"person_id": ["contact_keeps_person"]},
    }
    for person_id in (str(uuid.uuid4()), new_person(api)):
        response = api.put(f"/contact-data/{contact['id']}", json={"person_id": person_id})
        assert (response.status_code, response.json()) == (422, refused)
    assert api.get(f"/contact-data/{contact['id']}").json()["result"]["person_id"] == contact["person_id"]


def test_unknown_contact_data_is_a_404(api):
    missing = str(uuid.uuid4())
    for response in (
        api.get(f"/contact-data/{missing}"),
        api.put(f"/contact-data/{missing}", json={"email": new_email()}),
        api.delete(f"/contact-data/{missing}"),
    ):
        assert response.status_code == 404 and response.json()["success"] is False


def test_a_delete_is_real_and_stays_in_the_person_history(api):
    contact = new_contact(api)
    response = api.delete(f"/contact-data/{contact['id']}")
    assert response.json() == {"success": True, "result": {"id": contact["id"]}}
    assert api.get(f"/contact-data/{contact['id']}").status_code == 404
    entries = api.get(f"/people/{contact['person_id']}/history").json()["result"]["data"]
    mine = [(e["resource_type"], e["action"]) for e in entries if e["resource_id"] == contact["id"]]
    assert mine == [("person_contact", "delete"), ("person_contact", "create")]


def test_creating_changing_confirming_and_deleting_fire_updated_data_to_person(api, session_factory, last_code):
    from personas.persistence.models import OutboxEvent

    contact = new_contact(api)
    api.put(f"/contact-data/{contact['id']}", json={"phone": new_phone()})
    contact = api.get(f"/contact-data/{contact['id']}").json()["result"]
    send(api, "sms", contact)
    verify(api, "sms", contact, last_code("sms", contact["phone"]))
    age_codes(session_factory, contact["id"])
    api.delete(f"/contact-data/{contact['id']}")
    with session_factory() as s:
        events = s.query(OutboxEvent).filter_by(resource_id=contact["id"]).order_by(OutboxEvent.created_at).all()
    assert {(e.name, e.resource_name) for e in events} == {("updated_data_to_person", "person_contact")}
    assert len(events) == 4
    assert [e.payload["sms_confirmation"] for e in events] == [False, False, True, True]
    assert events[0].payload["created_at"].endswith("Z")


# --- codes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_sent_code_confirms_the_address_once(api, channel, last_code):
    contact = new_contact(api)
    field, flag = ("phone", "sms_confirmation") if channel == "sms" else ("email", "email_confirmation")
    response = send(api, channel, contact)
    assert response.status_code == 200, response.text
    # The seed's text in `result`; what was sent, beside it in `sent`.
    assert response.json()["result"] == ("Sms code send" if channel == "sms" else "Email code send")
    sent = response.json()["sent"]
    assert sent["message"] == response.json()["result"]
    assert sent["channel"] == channel and sent["contact_data_id"] == contact["id"]
    assert sent["metadata"] == {"provider": "local"}
    expires = datetime.strptime(sent["expires_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert timedelta(minutes=9) < expires - datetime.utcnow() <= timedelta(minutes=10)
    code = last_code(channel, contact[field])
    confirmed = verify(api, channel, contact, code)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["result"] == "Phone validated"  # the seed's text for both checks
    assert confirmed.json()["contact_data"][flag] is True
    other = "email_confirmation" if flag == "sms_confirmation" else "sms_confirmation"
    assert confirmed.json()["contact_data"][other] is False
    assert verify(api, channel, contact, code).json() == code_error(USED, "code_used")


def test_the_phone_may_be_written_differently_when_asking_for_and_checking_a_code(api, last_code):
    contact = new_contact(api, phone="5591038054")
    assert send(api, "sms", contact, address="+52 55 9103 8054").status_code == 200
    code = last_code("sms", "+525591038054")
    checked = verify(api, "sms", contact, code, address="525591038054").json()
    assert checked["contact_data"]["sms_confirmation"] is True


def test_a_wrong_code_is_a_422_that_counts_the_attempt_and_changes_nothing_else(api, session_factory, last_code):
    contact = new_contact(api)
    send(api, "sms", contact)
    code = last_code("sms", contact["phone"])
    response = verify(api, "sms", contact, other_code(code))
    assert (response.status_code, response.json()) == (422, code_error(WRONG, "wrong_code"))
    assert stored_code(session_factory, contact["id"], "sms").attempts == 1
    assert api.get(f"/contact-data/{contact['id']}").json()["result"] == contact
    assert verify(api, "sms", contact, code).json()["contact_data"]["sms_confirmation"] is True


def test_after_five_wrong_attempts_even_the_right_code_is_a_429_until_the_hour_has_passed(
    api, session_factory, last_code
):
    contact = new_contact(api)
    send(api, "email", contact)
    code = last_code("email", contact["email"])
    for _ in range(5):
        assert verify(api, "email", contact, other_code(code)).json() == code_error(WRONG, "wrong_code")
    refused = verify(api, "email", contact, code)
    assert refused.status_code == 429
    assert refused.json() == {"success": False, "code": 429, "error": EXHAUSTED.es}
    assert 3590 <= int(refused.headers["Retry-After"]) <= 3600
    assert stored_code(session_factory, contact["id"], "email").attempts == 5
    assert api.get(f"/contact-data/{contact['id']}").json()["result"]["email_confirmation"] is False
    age_codes(session_factory, contact["id"])
    send(api, "email", contact)
    fresh = verify(api, "email", contact, last_code("email", contact["email"]))
    assert fresh.json()["contact_data"]["email_confirmation"] is True


def test_an_expired_code_is_refused(api, session_factory, last_code):
    from personas.persistence.models.contact_codes import ContactCode

    contact = new_contact(api)
    send(api, "sms", contact)
    with session_factory() as s:
        issued = s.query(ContactCode).filter_by(contact_data_id=contact["id"]).one()
        issued.expires_at = datetime.utcnow() - timedelta(seconds=1)
        s.commit()
    response = verify(api, "sms", contact, last_code("sms", contact["phone"]))
    assert (response.status_code, response.json()) == (422, code_error(EXPIRED, "code_expired"))


def test_a_new_send_replaces_the_previous_code(api, last_code):
    contact = new_contact(api)
    send(api, "sms", contact)
    first = last_code("sms", contact["phone"])
    second = first
    while second == first:  # one chance in a million that the new code repeats the old one
        send(api, "sms", contact)
        second = last_code("sms", contact["phone"])
    assert verify(api, "sms", contact, first).json() == code_error(WRONG, "wrong_code")
    assert verify(api, "sms", contact, second).status_code == 200


def test_contact_data_with_a_code_sent_in_the_last_hour_is_deleted_only_after_the_hour(api, session_factory):
    contact = new_contact(api)
    send(api, "sms", contact)
    refused = api.delete(f"/contact-data/{contact['id']}")
    assert (refused.status_code, refused.json()) == (429, {"success": False, "code": 429, "error": RECENT_CODES.es})
    assert 3590 <= int(refused.headers["Retry-After"]) <= 3600
    assert api.get(f"/contact-data/{contact['id']}").status_code == 200
    age_codes(session_factory, contact["id"])
    assert api.delete(f"/contact-data/{contact['id']}").status_code == 200


def test_only_a_hash_of_the_code_is_stored(api, session_factory, last_code):
    contact = new_contact(api)
    send(api, "email", contact)
    code = last_code("email", contact["email"])
    issued = stored_code(session_factory, contact["id"], "email")
    assert len(issued.code_hash) == 64 and code not in issued.code_hash


def test_checking_a_code_never_sent_is_a_422(api):
    contact = new_contact(api)
    assert verify(api, "sms", contact, "123456").json() == code_error(NO_CODE, "no_pending_code")


def test_changing_the_phone_unconfirms_it_and_voids_its_pending_code(api, last_code):
    contact = new_contact(api)
    send(api, "sms", contact)
    verify(api, "sms", contact, last_code("sms", contact["phone"]))
    send(api, "email", contact)
    email_code = last_code("email", contact["email"])
    send(api, "sms", contact)
    changed = api.put(f"/contact-data/{contact['id']}", json={"phone": new_phone()}).json()["result"]
    assert changed["sms_confirmation"] is False
    assert verify(api, "sms", changed, "000000").json() == code_error(NO_CODE, "no_pending_code")
    assert verify(api, "email", changed, email_code).json()["contact_data"]["email_confirmation"] is True


def test_sending_the_same_email_or_phone_again_keeps_its_confirmation(api, last_code):
    contact = new_contact(api)
    send(api, "email", contact)
    verify(api, "email", contact, last_code("email", contact["email"]))
    again = api.put(f"/contact-data/{contact['id']}", json={"email": contact["email"], "phone": contact["phone"]})
    assert again.json()["result"]["email_confirmation"] is True


def test_a_code_for_an_address_the_person_does_not_have_is_a_404_and_for_an_unknown_person_a_422(api):
    contact = new_contact(api)
    for response in (
        send(api, "sms", contact, address=new_phone()),
        verify(api, "email", contact, "123456", address=new_email()),
    ):
        assert response.status_code == 404 and response.json()["success"] is False
    stranger = contact | {"person_id": str(uuid.uuid4())}
    response = send(api, "email", stranger)
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"person_id": [UNKNOWN_PERSON.es]},
        "rules": {"person_id": ["unknown_person"]},
    }


def test_a_code_request_with_an_invalid_phone_names_the_field(api):
    contact = new_contact(api)
    response = send(api, "sms", contact, address="1234567")
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"phone": [INVALID_PHONE.es]},
        "rules": {"phone": ["invalid_phone"]},
    }


def test_a_code_request_without_the_address_is_a_422_with_the_field_map(api):
    response = api.post("/contact-data/sms/send", json={"person_id": str(uuid.uuid4())})
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"phone": ["Campo requerido"]},
    }
