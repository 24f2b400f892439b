"""Signers and signature documents on the local e-signature platform (kept in the database)."""

import uuid

import pytest

from tests.support import person_body


@pytest.fixture
def person(api):
    return api.post("/people", json=person_body(name="Ana", first_lastname="López")).json()["result"]


def register(api, person_id, document_id=None, **extra):
    body = {"document_id": document_id or str(uuid.uuid4()), "password": "sg3sd2g1", **extra}
    return api.post(f"/people/{person_id}/signers", json=body)


def test_a_person_is_registered_as_signer_of_a_document(api, person):
    document_id, element = str(uuid.uuid4()), str(uuid.uuid4())
    response = register(api, person["id"], document_id, elements=[element])
    assert response.status_code == 200, response.text
    signer = response.json()["result"]
    assert signer["document_id"] == document_id and signer["person_id"] == person["id"]
    assert signer["name"].startswith("Ana López") and signer["metadata"] == {"provider": "local"}
    assert [e["document_element_id"] for e in signer["fillable_elements"]] == [element]
    assert "password" not in signer and "password_hash" not in signer


def test_registering_again_updates_the_same_signer(api, person):
    document_id = str(uuid.uuid4())
    first = register(api, person["id"], document_id).json()["result"]
    second = register(api, person["id"], document_id, elements=[str(uuid.uuid4())]).json()["result"]
    assert first["id"] == second["id"] and len(second["fillable_elements"]) == 1


def test_a_persons_documents_are_listed_with_their_signer(api, person):
    document_id = str(uuid.uuid4())
    register(api, person["id"], document_id)
    response = api.get(f"/people/{person['id']}/signature-documents")
    assert response.status_code == 200
    [entry] = response.json()["result"]
    assert entry["person_id"] == person["id"] and entry["document"]["id"] == document_id
    other = api.post("/people", json=person_body()).json()["result"]
    assert api.get(f"/people/{other['id']}/signature-documents").json()["result"] == []


def test_the_password_is_kept_only_as_a_hash(api, person, session_factory):
    from personas.persistence.models.signatures import Signer

    signer = register(api, person["id"]).json()["result"]
    with session_factory() as session:
        stored = session.get(Signer, signer["id"]).password_hash
    assert "sg3sd2g1" not in stored and stored.startswith("pbkdf2_sha256$")


def test_an_unknown_person_is_404(api):
    missing = "0b8c2f3e-9a51-4a4e-8f0b-7c1d2e3f4a5b"
    assert register(api, missing).status_code == 404
    assert api.get(f"/people/{missing}/signature-documents").status_code == 404
