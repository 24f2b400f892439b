"""Logs, the access log included, carry no personal data: a whole scenario at DEBUG, then a search."""

import json
import logging
import random
import re
from pathlib import Path

import phonenumbers
import pytest

from tests.support import person_body

CLABE = "002010077777777771"  # a valid CLABE (Banamex)
CARD = "4111111111111111"


@pytest.fixture
def every_logger_at_debug(caplog):
    """Every logger, even those the app quietens (connexion), at DEBUG and reaching caplog."""
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)] + [logging.root]
    saved = [(logger, logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
    caplog.set_level(logging.DEBUG)
    yield caplog
    for logger, level, propagate in saved:
        logger.setLevel(level)
        logger.propagate = propagate


def _phone() -> str:
    while True:
        digits = f"55{random.randrange(10**8):08d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "MX")):
            return digits


def _sent_code(settings, phone_e164: str) -> str:
    outbox = Path(settings.local_outbox) / "sms.jsonl"
    sent = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    return re.search(r"\b(\d{6})\b", [m for m in sent if m["to"] == phone_e164][-1]["body"]).group(1)


# What every record has (times, thread and process ids, source file): numbers that a six-digit code can
# match by chance, and that carry nothing a caller logged.
RECORD_METADATA = frozenset(vars(logging.makeLogRecord({}))) - {"msg", "args", "exc_text"}


def _logged(caplog) -> list[str]:
    """Each record as text: its formatted line (with any traceback), its message and arguments, and any
    attribute a caller added (`extra=`)."""
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    texts = [
        formatter.format(record) + repr({k: v for k, v in vars(record).items() if k not in RECORD_METADATA})
        for record in caplog.records
    ]
    # The test's own client logs the URLs it asks for; the service never calls testserver.
    return [text for text in texts if not (text.startswith("httpx ") and "http://testserver/" in text)]


def test_a_whole_scenario_logs_no_curp_clabe_card_phone_code_or_key(api, container, every_logger_at_debug):
    caplog = every_logger_at_debug
    key = api.headers["Authorization"].removeprefix("Bearer ")
    curp, phone = person_body()["national_id"], _phone()

    person = api.post("/people", json=person_body(national_id=curp))
    assert person.status_code == 201, person.text
    person_id = person.json()["result"]["id"]
    bank = {"person_id": person_id, "bank": "Banamex", "account": "07777777777", "clabe": CLABE, "card_number": CARD}
    assert api.post("/bank-data", json=bank).status_code == 200
    contact = api.post(
        "/contact-data", json={"person_id": person_id, "phone": phone, "email": f"ana.{phone}@example.com"}
    )
    assert contact.status_code == 201, contact.text
    e164 = contact.json()["result"]["phone"]
    assert api.post("/contact-data/sms/send", json={"person_id": person_id, "phone": phone}).status_code in (200, 201)
    code = _sent_code(container.settings, e164)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    check = {"person_id": person_id, "phone": phone}
    assert api.post("/contact-data/sms/verify", json=check | {"code": wrong}).status_code == 422
    assert api.post("/contact-data/sms/verify", json=check | {"code": code}).status_code == 200

    # Failing requests, with the personal data in the path, the query and the body.
    assert api.get(f"/people/national-id/{curp[:-1]}X").status_code in (404, 422)
    assert api.get(f"/people/{curp}").status_code in (400, 404)
    assert api.get(f"/people?per_page=x&clabe={CLABE}&card={CARD}").status_code == 400
    assert api.post("/people", json=person_body(national_id=curp)).status_code == 422
    assert api.post("/bank-data", json=bank | {"clabe": CLABE[:-1] + "0"}).status_code == 422
    # A card number as a JSON number is taken, but not one of 20 digits: refused, with the digits in the body.
    assert api.post("/bank-data", json=bank | {"card_number": int(CARD) * 10**4}).status_code in (400, 422)
    assert api.http.get("/api/v1/people", headers={"Authorization": f"Bearer {key}x"}).status_code == 403

    logged = _logged(caplog)
    assert any("personas.access" in text and "/api/v1/people/{id}" in text for text in logged)  # it was on
    secrets = (curp, curp[:-1] + "X", CLABE, CARD, phone, e164, code, wrong, key)
    assert [(secret, text[:300]) for text in logged for secret in secrets if secret in text] == []
