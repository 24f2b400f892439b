"""Encryption at rest of account, CLABE and card number: what the database holds, and key rotation."""

import pytest
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import text

from personas.config import Settings
from personas.persistence import crypto
from personas.persistence.models import Base
from tests.support import person_body

CLEAR = {"account": "07777777777", "clabe": "002010077777777771", "card_number": "1234567890123456"}


def raw_row(session_factory, record_id: str) -> dict:
    with session_factory() as s:
        row = s.execute(
            text("SELECT account, clabe, card_number FROM bank_data WHERE id = :id"), {"id": record_id}
        ).one()
    return dict(row._mapping)


def app_keys(settings) -> list[Fernet]:
    keys = list(settings.encryption_keys) or [crypto.derive_key(settings.secret_key)]
    return [Fernet(k) for k in keys]


def rotate_all(session_factory) -> int:
    with session_factory() as s:
        count = crypto.rotate(s, Base.metadata)
        s.commit()
    return count


@pytest.fixture
def app_cipher(api, session_factory, container):
    """The app's keys; whatever a test installs, every row goes back to them afterwards."""
    if not crypto.is_configured():
        crypto.configure(container.settings)
    original = crypto.cipher()
    installed = []
    yield installed
    crypto.use(MultiFernet(app_keys(container.settings) + installed))
    rotate_all(session_factory)
    crypto.use(original)


def create_bank_data(api) -> dict:
    person_id = api.post("/people", json=person_body()).json()["result"]["id"]
    response = api.post("/bank-data", json={"person_id": person_id, "bank": "Banamex", **CLEAR})
    assert response.status_code == 200, response.text
    return response.json()["result"]


def test_the_database_holds_tokens_not_the_clear_numbers(api, session_factory, app_cipher):
    record = create_bank_data(api)
    raw = raw_row(session_factory, record["id"])
    for field, clear in CLEAR.items():
        assert clear not in raw[field]
        assert crypto.cipher().decrypt(raw[field].encode()).decode() == clear


def test_data_written_with_an_old_key_is_read_after_rotating_to_a_new_one(api, session_factory, container, app_cipher):
    old, new = Fernet(Fernet.generate_key()), Fernet(Fernet.generate_key())
    app_cipher.extend([new, old])
    crypto.use(MultiFernet([old, *app_keys(container.settings)]))
    record = create_bank_data(api)
    assert old.decrypt(raw_row(session_factory, record["id"])["clabe"].encode()).decode() == CLEAR["clabe"]

    # The new key first, the old one kept for reading: nothing changes for the API.
    crypto.use(MultiFernet([new, old, *app_keys(container.settings)]))
    assert api.get(f"/bank-data/{record['id']}").json()["result"]["clabe"] == CLEAR["clabe"]

    assert rotate_all(session_factory) >= 1
    raw = raw_row(session_factory, record["id"])
    assert {f: new.decrypt(raw[f].encode()).decode() for f in CLEAR} == CLEAR
    with pytest.raises(InvalidToken):
        old.decrypt(raw["clabe"].encode())

    # The old key can now be dropped.
    crypto.use(MultiFernet([new]))
    result = api.get(f"/bank-data/{record['id']}").json()["result"]
    assert (result["account"], result["clabe"], result["card_number"]) == (
        CLEAR["account"],
        CLEAR["clabe"],
        "************3456",
    )


def test_rotation_leaves_updated_at_and_history_alone(api, session_factory, app_cipher):
    record = create_bank_data(api)
    before = api.get(f"/people/{record['person_id']}/history").json()["result"]["data"]
    rotate_all(session_factory)
    assert api.get(f"/bank-data/{record['id']}").json()["result"]["updated_at"] == record["updated_at"]
    assert api.get(f"/people/{record['person_id']}/history").json()["result"]["data"] == before


def test_without_configured_keys_the_key_is_derived_from_the_secret():
    cipher = crypto.build_cipher((), "s3cret")
    assert Fernet(crypto.derive_key("s3cret")).decrypt(cipher.encrypt(b"x")) == b"x"
    assert crypto.derive_key("s3cret") != crypto.derive_key("other")
    configured = crypto.build_cipher(
        Settings(secret_key="s3cret", encryption_keys=(Fernet.generate_key().decode(),)).encryption_keys
    )
    with pytest.raises(InvalidToken):
        Fernet(crypto.derive_key("s3cret")).decrypt(configured.encrypt(b"x"))


def test_a_bad_key_is_refused_at_configuration_without_echoing_it():
    with pytest.raises(ValueError, match=r"^encryption key #2 is not a valid Fernet key$"):
        crypto.build_cipher((Fernet.generate_key().decode(), "not-a-key"))
    with pytest.raises(ValueError):
        crypto.build_cipher((), "")


def test_an_encrypted_column_cannot_be_used_before_configure():
    previous = crypto.use(None)
    try:
        with pytest.raises(RuntimeError, match="not configured"):
            crypto.EncryptedString(255).process_bind_param("1", None)
    finally:
        crypto.use(previous)
