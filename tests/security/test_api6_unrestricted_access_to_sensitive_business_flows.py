"""API6:2023 Unrestricted Access to Sensitive Business Flows: verification codes."""

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, select

from personas.domain.contact_codes import EXHAUSTED, MAX_ATTEMPTS, MAX_SENDS, TOO_MANY_SENDS, WRONG
from tests.api.test_contact_data import age_codes, new_contact, new_person, other_code, send, verify
from tests.security.served import database_urls, served
from tests.support import person_body

FIELD = {"sms": "phone", "email": "email"}


def _confirmed(api, contact: dict, channel: str) -> bool:
    return api.get(f"/contact-data/{contact['id']}").json()["result"][f"{channel}_confirmation"]


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_sixth_code_to_one_address_within_the_hour_is_a_429_even_across_contacts_and_people(api, channel):
    first = new_contact(api)
    address = first[FIELD[channel]]
    second = new_contact(api, **{FIELD[channel]: address})
    assert second["person_id"] != first["person_id"]
    for contact in (first, second, first, second, first):
        assert send(api, channel, contact).status_code == 200
    for contact in (first, second):
        refused = send(api, channel, contact)
        assert refused.status_code == 429
        assert refused.json() == {"success": False, "code": 429, "error": TOO_MANY_SENDS.es}
        assert 3590 <= int(refused.headers["Retry-After"]) <= 3600
    # the limit belongs to the address: another address of the same contact is not held back
    assert send(api, "email" if channel == "sms" else "sms", first).status_code == 200


def test_sends_are_free_again_once_the_oldest_leaves_the_hour(api, session_factory):
    contact = new_contact(api)
    for _ in range(MAX_SENDS):
        assert send(api, "sms", contact).status_code == 200
    assert send(api, "sms", contact).status_code == 429
    age_codes(session_factory, contact["id"])
    assert send(api, "sms", contact).status_code == 200


def test_a_resend_gives_no_new_tries_and_the_right_code_after_them_confirms_nothing(api, last_code):
    contact = new_contact(api)
    for wrong in (3, 2):
        send(api, "sms", contact)
        code = last_code("sms", contact["phone"])
        for _ in range(wrong):
            assert verify(api, "sms", contact, other_code(code)).json()["error"] == {"code": [WRONG.es]}
    assert send(api, "sms", contact).status_code == 200
    refused = verify(api, "sms", contact, last_code("sms", contact["phone"]))
    assert (refused.status_code, refused.json()["error"]) == (429, EXHAUSTED.es)
    assert int(refused.headers["Retry-After"]) > 0
    assert _confirmed(api, contact, "sms") is False


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_guessing_across_every_resend_the_hour_allows_confirms_nothing(api, channel, last_code):
    contact = new_contact(api)
    answers = []
    while send(api, channel, contact).status_code == 200:
        code = last_code(channel, contact[FIELD[channel]])
        guesses = [f"{n:06d}" for n in range(20) if f"{n:06d}" != code]
        answers += [verify(api, channel, contact, guess).status_code for guess in guesses]
    assert answers.count(422) == MAX_ATTEMPTS and set(answers) == {422, 429}
    assert _confirmed(api, contact, channel) is False
    # a new person with the same address gets no more codes to guess at either
    twin = new_contact(api, person_id=new_person(api), **{FIELD[channel]: contact[FIELD[channel]]})
    assert send(api, channel, twin).status_code == 429


def _stored_attempts(database_url: str, contact_id: str) -> int:
    from personas.persistence.models.contact_codes import ContactCode

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stmt = select(ContactCode.attempts).where(ContactCode.contact_data_id == contact_id)
            return sum(conn.scalars(stmt))
    finally:
        engine.dispose()


def _guess_at_once(server, body: dict, wrong_codes: list[str]) -> list[int]:
    """Every wrong code sent at the same moment, one connection each; the answers' statuses."""
    start = threading.Barrier(len(wrong_codes))

    def guess(wrong: str) -> int:
        start.wait()
        return server.call("POST", "/contact-data/sms/verify", body | {"code": wrong})[0]

    with ThreadPoolExecutor(len(wrong_codes)) as pool:
        return sorted(pool.map(guess, wrong_codes))


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def test_twenty_wrong_codes_at_once_to_two_server_processes_count_exactly_the_allowed_attempts(tmp_path, backend):
    urls = database_urls(tmp_path)
    if backend == "mariadb" and len(urls) == 1:
        pytest.skip("PERSONAS_TEST_MARIADB_URL is not set")
    database_url = urls[0] if backend == "sqlite" else urls[1]
    with served(tmp_path / "server", database_url) as server:
        status, person = server.call("POST", "/people", person_body())
        assert status == 201, person
        body = {"person_id": person["result"]["id"], "phone": "+525591038054"}
        status, contact = server.call("POST", "/contact-data", body | {"email": "ana@example.com"})
        assert status == 201, contact
        assert server.call("POST", "/contact-data/sms/send", body)[0] == 200
        code = _served_code(server.outbox, body["phone"])
        statuses = _guess_at_once(server, body, [f"{(int(code) + n) % 10**6:06d}" for n in range(1, 21)])
        assert statuses == [422] * MAX_ATTEMPTS + [429] * (20 - MAX_ATTEMPTS)
        assert _stored_attempts(database_url, contact["result"]["id"]) == MAX_ATTEMPTS
        status, refused = server.call("POST", "/contact-data/sms/verify", body | {"code": code})
        assert (status, refused["error"]) == (429, EXHAUSTED.es)
        status, shown = server.call("GET", f"/contact-data/{contact['result']['id']}")
        assert shown["result"]["sms_confirmation"] is False


def _served_code(folder, to: str) -> str:
    lines = [json.loads(line) for line in (folder / "outbox" / "sms.jsonl").read_text().splitlines()]
    return re.search(r"\b(\d{6})\b", [m for m in lines if m["to"] == to][-1]["body"]).group(1)
