"""Biometric results: type names stored as integers, the person's summary, its list, events and history."""

from sqlalchemy import select

from personas.persistence.models import OutboxEvent
from tests.support import person_body

SEED_METADATA = {
    "safe": True,
    "success": True,
    "matchLevel": 7,
    "executed_at": "2022-11-30T16:37:39.239000Z",
    "referenceId": "dev-71266b80-f04b-4a2c-9314-963d3a182f2a",
    "wasProcessed": True,
    "nfcStatusEnumInt": 0,
    "fullIDStatusEnumInt": 0,
    "barcodeStatusEnumInt": 0,
    "matchLevelNFCToFaceMap": 0,
    "digitalIDSpoofStatusEnumInt": 0,
    "faceOnDocumentStatusEnumInt": "LIKELY_ORIGINAL_FACE",
    "textOnDocumentStatusEnumInt": "LIKELY_ORIGINAL_TEXT",
    "idScanAgeEstimateGroupEnumInt": 4,
}
SEED_BIOMETRIC = {
    "type": "LIVENESS",
    "facetec_id": "dev-71266b80-f04b-4a2c-9314-963d3a182f2a",
    "execution_date": "2022-07-29T21:54:55",
    "metadata": SEED_METADATA,
}
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def new_person(api) -> str:
    return api.post("/people", json=person_body()).json()["result"]["id"]


def add(api, person_id, **fields):
    response = api.post("/biometrics", json=SEED_BIOMETRIC | {"person_id": person_id} | fields)
    assert response.status_code == 201, response.json()
    return response.json()["result"]


def summary_of(api, person_id):
    return api.get(f"/people/{person_id}").json()["result"]["biometrics"]


def test_the_seed_example_is_stored_with_its_type_as_an_integer(api):
    person_id = new_person(api)
    biometric = add(api, person_id)
    assert (biometric["type"], biometric["typeName"]) == (0, "LIVENESS")
    assert biometric["execution_date"] == "2022-07-29T21:54:55Z" and biometric["metadata"] == SEED_METADATA
    assert biometric["person_id"] == person_id and biometric["facetec_id"] == SEED_BIOMETRIC["facetec_id"]
    assert api.get(f"/biometrics/{biometric['id']}").json() == {"success": True, "result": biometric}


def test_every_type_name_has_its_integer(api):
    person_id = new_person(api)
    names = ["LIVENESS", "ENROLL", "FACE_3D_MATCH", "FACE_2D_MATCH", "FACE_MATCH_ID"]
    stored = [add(api, person_id, type=name) for name in names]
    assert [(b["type"], b["typeName"]) for b in stored] == list(enumerate(names))


def test_an_execution_date_may_be_a_date_or_carry_a_zone(api):
    person_id = new_person(api)
    assert add(api, person_id, execution_date="2022-07-29")["execution_date"] == "2022-07-29T00:00:00Z"
    assert add(api, person_id, execution_date="2022-07-29T16:54:55-05:00")["execution_date"] == "2022-07-29T21:54:55Z"
    assert add(api, person_id, execution_date=None)["execution_date"] is None


def test_an_execution_date_must_exist_and_fit_in_utc(api):
    person_id = new_person(api)
    for impossible in ("2022-02-30", "0000-01-01", "2022-04-31T10:00:00Z", "29/07/2022"):
        response = api.post(
            "/biometrics", json={"person_id": person_id, "type": "ENROLL", "execution_date": impossible}
        )
        assert response.status_code == 422 and list(response.json()["error"]) == ["execution_date"], impossible
    response = api.post(
        "/biometrics", json={"person_id": person_id, "type": "ENROLL", "execution_date": "0001-01-01T00:00:00+01:00"}
    )
    assert response.json()["error"] == {
        "execution_date": ["Fecha fuera de rango: en UTC cae antes del año 1 o después del 9999"]
    }


def test_wrong_input_is_refused_naming_the_field(api):
    person_id = new_person(api)
    response = api.post("/biometrics", json={"person_id": person_id, "type": "SELFIE"})
    assert response.status_code == 422 and list(response.json()["error"]) == ["type"]
    response = api.post("/biometrics", json={"person_id": person_id})
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"type": ["Campo requerido"]},
    }
    response = api.post("/biometrics", json={"person_id": UNKNOWN, "type": "ENROLL"})
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"person_id": ["No existe la persona"]},
        "rules": {"person_id": ["unknown_person"]},
    }


def test_an_update_is_partial_and_takes_a_type_name(api):
    biometric = add(api, new_person(api))
    updated = api.put(f"/biometrics/{biometric['id']}", json={"type": "FACE_3D_MATCH"}).json()["result"]
    assert (updated["type"], updated["typeName"]) == (2, "FACE_3D_MATCH")
    assert updated["metadata"] == SEED_METADATA and updated["execution_date"] == biometric["execution_date"]


def test_unknown_ids_are_404(api):
    body = {"success": False, "code": 404, "error": "No se encontró el resultado biométrico"}
    assert api.get(f"/biometrics/{UNKNOWN}").json() == body
    assert api.put(f"/biometrics/{UNKNOWN}", json={"type": "ENROLL"}).status_code == 404
    assert api.delete(f"/biometrics/{UNKNOWN}").status_code == 404


def test_the_list_filters_by_person_newest_first(api):
    person_id = new_person(api)
    first, second = add(api, person_id), add(api, person_id, type="ENROLL")
    add(api, new_person(api))
    listed = api.get(f"/biometrics?person_id={person_id}").json()["result"]["data"]
    assert [b["id"] for b in listed] == [second["id"], first["id"]]


def test_the_persons_results_are_listed_newest_first(api):
    person_id = new_person(api)
    assert api.get(f"/people/{person_id}/biometrics").json() == {"success": True, "result": []}
    first, second = add(api, person_id), add(api, person_id, type="FACE_MATCH_ID")
    add(api, new_person(api))
    assert api.get(f"/people/{person_id}/biometrics").json() == {"success": True, "result": [second, first]}
    assert api.get(f"/people/{UNKNOWN}/biometrics").status_code == 404


def test_the_persons_summary_follows_the_latest_results(api):
    person_id = new_person(api)
    assert summary_of(api, person_id) is None
    add(api, person_id)
    assert summary_of(api, person_id) == {"liveness": True, "match_id": None, "match_level": None}
    match = add(api, person_id, type="FACE_3D_MATCH", execution_date="2022-07-29T22:00:00Z")
    assert summary_of(api, person_id) == {"liveness": True, "match_id": True, "match_level": 7}
    later = {"success": False, "matchLevel": 2, "wasProcessed": True}
    add(api, person_id, type="FACE_2D_MATCH", execution_date="2022-07-30T10:00:00Z", metadata=later)
    assert summary_of(api, person_id) == {"liveness": True, "match_id": False, "match_level": 2}
    api.put(f"/biometrics/{match['id']}", json={"execution_date": "2022-08-01T00:00:00Z"})
    assert summary_of(api, person_id) == {"liveness": True, "match_id": True, "match_level": 7}
    for biometric in api.get(f"/people/{person_id}/biometrics").json()["result"]:
        api.delete(f"/biometrics/{biometric['id']}")
    assert summary_of(api, person_id) is None


def test_create_update_and_delete_record_updated_data_to_person_and_history(api, session_factory):
    person_id = new_person(api)
    biometric = add(api, person_id)
    updated = api.put(f"/biometrics/{biometric['id']}", json={"facetec_id": "otro"}).json()["result"]
    assert api.delete(f"/biometrics/{biometric['id']}").json() == {"success": True, "result": {"id": biometric["id"]}}
    with session_factory() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.resource_id == biometric["id"]).order_by(OutboxEvent.created_at)
        events = [(e.name, e.resource_name, e.payload) for e in session.scalars(stmt)]
    assert events == [
        ("updated_data_to_person", "biometric", biometric),
        ("updated_data_to_person", "biometric", updated),
        ("updated_data_to_person", "biometric", updated),
    ]
    history = api.get(f"/people/{person_id}/history").json()["result"]["data"]
    assert [(e["action"], e["field"]) for e in history if e["resource_type"] == "biometric"] == [
        ("delete", None),
        ("update", "facetec_id"),
        ("create", None),
    ]


def test_an_update_that_changes_nothing_records_no_event(api, session_factory):
    person_id = new_person(api)
    biometric = add(api, person_id)
    response = api.put(f"/biometrics/{biometric['id']}", json=SEED_BIOMETRIC | {"person_id": person_id})
    assert response.json() == {"success": True, "result": biometric}
    with session_factory() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.resource_id == biometric["id"])
        assert len(list(session.scalars(stmt))) == 1
