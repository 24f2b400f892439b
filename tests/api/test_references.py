"""Personal references: the relation catalog, partial updates, events and history."""

from sqlalchemy import select

from personas.persistence.models import OutboxEvent
from tests.support import person_body

SEED_REFERENCE = {"name": "Juan Perez Suares", "phone": "525586128954", "person_relation_id": 1}
HERMANO = {"id": 1, "code": "hermano", "name": "Hermano", "created_at": None, "updated_at": None}
UNKNOWN = "00000000-0000-4000-8000-000000000000"


def new_person(api) -> str:
    return api.post("/people", json=person_body()).json()["result"]["id"]


def add(api, person_id, **fields):
    response = api.post("/references", json=SEED_REFERENCE | {"person_id": person_id} | fields)
    assert response.status_code == 201, response.json()
    return response.json()["result"]


def test_the_seed_example_creates_a_reference_with_its_relation(api):
    person_id = new_person(api)
    reference = add(api, person_id)
    assert {k: reference[k] for k in SEED_REFERENCE} == SEED_REFERENCE
    assert reference["person_id"] == person_id and reference["person_relation"] == HERMANO
    assert reference["created_at"].endswith("Z") and reference["updated_at"].endswith("Z")
    assert api.get(f"/references/{reference['id']}").json() == {"success": True, "result": reference}


def test_an_unknown_relation_is_refused_naming_the_field(api):
    response = api.post("/references", json=SEED_REFERENCE | {"person_id": new_person(api), "person_relation_id": 999})
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"person_relation_id": ["No existe person_relation_id: 999"]},
        "rules": {"person_relation_id": ["unknown_reference"]},
    }


def test_an_unknown_person_and_relation_are_both_reported(api):
    response = api.post("/references", json=SEED_REFERENCE | {"person_id": UNKNOWN, "person_relation_id": 999})
    assert response.json()["error"] == {
        "person_id": ["No existe la persona"],
        "person_relation_id": ["No existe person_relation_id: 999"],
    }


def test_required_fields_and_the_phone_shape_are_checked(api):
    response = api.post("/references", json={"person_id": new_person(api)})
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"name", "phone", "person_relation_id"}
    response = api.post("/references", json=SEED_REFERENCE | {"person_id": new_person(api), "phone": "call me"})
    assert response.status_code == 422 and list(response.json()["error"]) == ["phone"]


def test_an_update_is_partial_and_embeds_the_new_relation(api):
    reference = add(api, new_person(api))
    updated = api.put(f"/references/{reference['id']}", json={"person_relation_id": 2}).json()["result"]
    assert updated["person_relation"] == {
        "id": 2,
        "code": "padre",
        "name": "Padre",
        "created_at": None,
        "updated_at": None,
    }
    assert updated["name"] == SEED_REFERENCE["name"] and updated["phone"] == SEED_REFERENCE["phone"]
    response = api.put(f"/references/{reference['id']}", json={"person_relation_id": 999, "name": "Otro"})
    assert response.status_code == 422
    assert api.get(f"/references/{reference['id']}").json()["result"] == updated


def test_unknown_ids_are_404(api):
    assert api.get(f"/references/{UNKNOWN}").json() == {
        "success": False,
        "code": 404,
        "error": "No se encontró la referencia",
    }
    assert api.put(f"/references/{UNKNOWN}", json={"name": "X"}).status_code == 404
    assert api.delete(f"/references/{UNKNOWN}").status_code == 404


def test_the_list_filters_by_person_newest_first(api):
    person_id = new_person(api)
    first, second = add(api, person_id, name="Uno"), add(api, person_id, name="Dos")
    add(api, new_person(api))
    listed = api.get(f"/references?person_id={person_id}").json()["result"]
    assert [r["id"] for r in listed["data"]] == [second["id"], first["id"]]
    assert listed["data"][0]["person_relation"] == HERMANO


def test_a_delete_is_real_recorded_as_an_event_and_kept_in_history(api, session_factory):
    person_id = new_person(api)
    reference = add(api, person_id)
    updated = api.put(f"/references/{reference['id']}", json={"name": "Juan Perez Ruiz"}).json()["result"]
    assert api.delete(f"/references/{reference['id']}").json() == {"success": True, "result": {"id": reference["id"]}}
    assert api.get(f"/references/{reference['id']}").status_code == 404
    with session_factory() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.resource_id == reference["id"]).order_by(OutboxEvent.created_at)
        events = [(e.name, e.resource_name, e.payload) for e in session.scalars(stmt)]
    assert events == [
        ("updated_data_to_person", "person_reference", reference),
        ("updated_data_to_person", "person_reference", updated),
        ("updated_data_to_person", "person_reference", updated),
    ]
    history = api.get(f"/people/{person_id}/history").json()["result"]["data"]
    mine = [(e["action"], e["field"], e["new_value"]) for e in history if e["resource_type"] == "person_reference"]
    assert mine[:2] == [("delete", None, None), ("update", "name", "Juan Perez Ruiz")]
    assert mine[2][0] == "create" and mine[2][2]["person_relation_id"] == 1


def test_an_update_that_changes_nothing_records_no_event(api, session_factory):
    person_id = new_person(api)
    reference = add(api, person_id)
    response = api.put(f"/references/{reference['id']}", json=SEED_REFERENCE | {"person_id": person_id})
    assert response.json() == {"success": True, "result": reference}
    with session_factory() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.resource_id == reference["id"])
        assert len(list(session.scalars(stmt))) == 1
