"""Addresses: state resolution, ranges, the person's addresses_similarity, events and history."""

from sqlalchemy import select

from personas.persistence.models import OutboxEvent
from tests.support import person_body

SEED_ADDRESS = {
    "street": "Marte",
    "ext_num": "12",
    "int_num": "DEP 8",
    "state": "DF",
    "municipality": "IZTACALCO",
    "colony": "Cristobal Colon",
    "zip_code": "08016",
    "references": "Al lado de una tienda",
    "latitude": None,
    "longitude": None,
    "ownership": None,
    "dwelling_age": None,
    "source": None,
    "device_coordinates": None,
    "is_current_address": None,
    "verified_at": "2022-07-29T21:54:22Z",
    "metadata": None,
}
SEED_SIMILARITY = {
    "street": 1,
    "ext_num": 1,
    "int_num": 1,
    "colony": 1,
    "municipality": 1,
    "city": 0,
    "state": 1,
    "zip_code": 1,
    "general_score": 0.875,
}


def new_person(api) -> str:
    return api.post("/people", json=person_body()).json()["result"]["id"]


def add(api, person_id, **fields):
    response = api.post("/addresses", json=SEED_ADDRESS | {"person_id": person_id} | fields)
    assert response.status_code == 201, response.json()
    return response.json()["result"]


def similarity_of(api, person_id):
    return api.get(f"/people/{person_id}").json()["result"]["addresses_similarity"]


def events_of(session_factory, resource_id):
    with session_factory() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.resource_id == resource_id).order_by(OutboxEvent.created_at)
        return [(e.name, e.resource_name, e.payload) for e in session.scalars(stmt)]


def test_the_seed_example_creates_an_address_with_its_state_resolved(api):
    person_id = new_person(api)
    address = add(api, person_id, source="ine")
    assert address["state"] == "DF" and address["state_id"] == 7
    assert address["verified_at"] == "2022-07-29T21:54:22Z" and address["created_at"].endswith("Z")
    assert {k: address[k] for k in SEED_ADDRESS} == SEED_ADDRESS | {"source": "ine"}
    assert api.get(f"/addresses/{address['id']}").json() == {"success": True, "result": address}


def test_a_state_name_is_stored_as_its_catalog_code_and_city_is_accepted(api):
    address = add(api, new_person(api), state="Jalisco", city="Guadalajara")
    assert (address["state"], address["state_id"], address["city"]) == ("JC", 14, "Guadalajara")
    address = add(api, new_person(api), state="ciudad de mexico")
    assert (address["state"], address["state_id"]) == ("DF", 7)


def test_an_unknown_state_is_refused_naming_the_field(api):
    response = api.post("/addresses", json=SEED_ADDRESS | {"person_id": new_person(api), "state": "Narnia"})
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"state": ["No existe el estado: Narnia"]},
        "rules": {"state": ["unknown_reference"]},
    }


def test_an_unknown_or_deleted_person_is_refused_naming_person_id(api):
    unknown = "00000000-0000-4000-8000-000000000000"
    response = api.post("/addresses", json=SEED_ADDRESS | {"person_id": unknown, "state": "Narnia"})
    assert response.status_code == 422
    assert response.json()["error"] == {
        "person_id": ["No existe la persona"],
        "state": ["No existe el estado: Narnia"],
    }
    person_id = new_person(api)
    api.delete(f"/people/{person_id}")
    response = api.post("/addresses", json=SEED_ADDRESS | {"person_id": person_id})
    assert response.json()["error"] == {"person_id": ["No existe la persona"]}


def test_required_fields_and_coordinate_ranges_are_checked(api):
    response = api.post("/addresses", json={"person_id": new_person(api), "street": "Marte"})
    assert response.status_code == 422
    assert set(response.json()["error"]) == {"ext_num", "state", "municipality", "colony", "zip_code", "references"}
    person_id = new_person(api)
    for bad in ({"latitude": 90.5}, {"latitude": -91}, {"longitude": 180.1}, {"longitude": -181}):
        response = api.post("/addresses", json=SEED_ADDRESS | {"person_id": person_id} | bad)
        assert response.status_code == 422 and list(response.json()["error"]) == list(bad), bad
    response = api.post("/addresses", json=SEED_ADDRESS | {"person_id": person_id, "device_coordinates": [95, 10]})
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"device_coordinates": ["La latitud debe estar entre -90 y 90"]},
        "rules": {"device_coordinates": ["latitude_range"]},
    }
    edge = add(api, person_id, latitude=-90, longitude=180, device_coordinates=[19.3967, -99.1206])
    # Longitude goes out as text, latitude as a number: the types the seed gives them.
    assert (edge["latitude"], edge["longitude"], edge["device_coordinates"]) == (-90, "180", [19.3967, -99.1206])


def test_coordinates_are_taken_as_numbers_or_as_text_and_answered_as_the_seed_types_them(api):
    person_id = new_person(api)
    texts = add(api, person_id, latitude="19.3967", longitude="-99.1206", device_coordinates=["19.3967", "-99.1206"])
    numbers = add(api, person_id, latitude=19.3967, longitude=-99.1206, device_coordinates=[19.3967, -99.1206])
    for address in (texts, numbers):
        assert (address["latitude"], address["longitude"]) == (19.3967, "-99.1206")
        assert address["device_coordinates"] == [19.3967, -99.1206]
    tiny = add(api, person_id, longitude=0.00001)
    assert tiny["longitude"] == "0.00001"  # never an exponent
    updated = api.put(f"/addresses/{texts['id']}", json={"longitude": "-98.5", "latitude": "+20"}).json()["result"]
    assert (updated["latitude"], updated["longitude"]) == (20, "-98.5")


def test_coordinates_as_text_out_of_range_or_not_numbers_are_refused_naming_the_field(api):
    person_id = new_person(api)
    cases = [
        ({"latitude": "95"}, "latitude", "latitude_range"),
        ({"longitude": "-181.5"}, "longitude", "longitude_range"),
        ({"device_coordinates": ["10", "190"]}, "device_coordinates", "longitude_range"),
        ({"device_coordinates": ["-90.5", 10]}, "device_coordinates", "latitude_range"),
    ]
    for bad, field, rule in cases:
        response = api.post("/addresses", json=SEED_ADDRESS | {"person_id": person_id} | bad)
        assert response.status_code == 422, bad
        assert response.json()["rules"] == {field: [rule]}, bad
    for bad in ({"latitude": "19,4"}, {"longitude": "oeste"}, {"longitude": "1e2"}, {"latitude": True}):
        response = api.post("/addresses", json=SEED_ADDRESS | {"person_id": person_id} | bad)
        assert response.status_code == 422 and list(response.json()["error"]) == list(bad), bad


def test_an_update_is_partial_and_resolves_a_new_state(api):
    address = add(api, new_person(api), metadata={"checked": True})
    response = api.put(f"/addresses/{address['id']}", json={"state": "Nuevo León", "latitude": 25.6866})
    assert response.status_code == 200
    updated = response.json()["result"]
    assert (updated["state"], updated["state_id"], updated["latitude"]) == ("NL", 19, 25.6866)
    assert updated["street"] == "Marte" and updated["metadata"] == {"checked": True}
    assert api.put(f"/addresses/{address['id']}", json={"state": "Atlántida"}).status_code == 422
    assert api.get(f"/addresses/{address['id']}").json()["result"]["state"] == "NL"


def test_unknown_ids_are_404(api):
    missing = "/addresses/00000000-0000-4000-8000-000000000000"
    assert api.get(missing).json() == {"success": False, "code": 404, "error": "No se encontró el domicilio"}
    assert api.put(missing, json={"street": "X"}).status_code == 404
    assert api.delete(missing).status_code == 404


def test_a_delete_is_real_and_kept_in_the_persons_history(api):
    person_id = new_person(api)
    address = add(api, person_id)
    api.put(f"/addresses/{address['id']}", json={"street": "Jupiter"})
    assert api.delete(f"/addresses/{address['id']}").json() == {"success": True, "result": {"id": address["id"]}}
    assert api.get(f"/addresses/{address['id']}").status_code == 404
    history = api.get(f"/people/{person_id}/history").json()["result"]["data"]
    mine = [(e["action"], e["field"]) for e in history if e["resource_type"] == "address"]
    assert mine == [("delete", None), ("update", "street"), ("create", None)]


def test_the_list_filters_by_person_and_pages(api):
    person_id = new_person(api)
    first, second, third = (add(api, person_id, street=s) for s in ("Uno", "Dos", "Tres"))
    add(api, new_person(api))
    page = api.get(f"/addresses?person_id={person_id}&per_page=2").json()["result"]
    assert [a["id"] for a in page["data"]] == [third["id"], second["id"]]
    assert (page["from"], page["to"], page["next_page_url"] is not None) == (1, 2, True)
    page = api.get(f"/addresses?person_id={person_id}&per_page=2&page=2").json()["result"]
    assert [a["id"] for a in page["data"]] == [first["id"]] and page["next_page_url"] is None


def test_create_update_and_delete_record_updated_data_to_person(api, session_factory):
    address = add(api, new_person(api))
    updated = api.put(f"/addresses/{address['id']}", json={"colony": "Centro"}).json()["result"]
    api.delete(f"/addresses/{address['id']}")
    assert events_of(session_factory, address["id"]) == [
        ("updated_data_to_person", "address", address),
        ("updated_data_to_person", "address", updated),
        ("updated_data_to_person", "address", updated),
    ]


def test_a_refused_address_changes_nothing_and_records_no_event(api, session_factory):
    person_id = new_person(api)
    api.post("/addresses", json=SEED_ADDRESS | {"person_id": person_id, "state": "Narnia"})
    assert api.get(f"/addresses?person_id={person_id}").json()["result"]["data"] == []
    assert [e["resource_type"] for e in api.get(f"/people/{person_id}/history").json()["result"]["data"]] == ["person"]


# --- addresses_similarity -----------------------------------------------------------------------


def test_the_ine_and_declared_addresses_give_the_seeds_similarity(api):
    person_id = new_person(api)
    assert similarity_of(api, person_id) is None
    add(api, person_id, source="ine")
    assert similarity_of(api, person_id) is None
    add(api, person_id, source="declared", street="C. MARTE", colony="Col. Cristóbal Colón", city="Ciudad de Mexico")
    assert similarity_of(api, person_id) == SEED_SIMILARITY


def test_the_similarity_follows_every_change_of_the_addresses(api):
    person_id = new_person(api)
    ine = add(api, person_id, source="ine", city="CDMX")
    declared = add(api, person_id, city="Ciudad de México")
    assert similarity_of(api, person_id)["general_score"] == 1.0
    api.put(f"/addresses/{declared['id']}", json={"ext_num": "14"})
    assert similarity_of(api, person_id) == SEED_SIMILARITY | {"city": 1, "ext_num": 0}
    api.delete(f"/addresses/{ine['id']}")
    assert similarity_of(api, person_id) is None


def test_source_is_free_text_and_ine_in_any_case_marks_the_ine_address(api):
    person_id = new_person(api)
    assert add(api, person_id, source="Comprobante de domicilio")["source"] == "Comprobante de domicilio"
    assert similarity_of(api, person_id) is None  # no INE address yet
    assert add(api, person_id, source="INE", street="C. MARTE", colony="Col. Cristóbal Colón")["source"] == "INE"
    assert similarity_of(api, person_id)["street"] == 1
    response = api.post("/addresses", json=SEED_ADDRESS | {"person_id": person_id, "source": "x" * 65})
    assert response.status_code == 422 and list(response.json()["error"]) == ["source"]
    assert add(api, person_id, source="x" * 64)["source"] == "x" * 64


def test_the_address_marked_current_is_the_declared_one(api):
    person_id = new_person(api)
    add(api, person_id, source="ine")
    add(api, person_id, source="declared", is_current_address=True)
    add(api, person_id, source="declared", street="Otra calle", is_current_address=False)
    assert similarity_of(api, person_id)["street"] == 1


def test_moving_an_address_to_another_person_recomputes_both(api):
    first, second = new_person(api), new_person(api)
    add(api, first, source="ine")
    declared = add(api, first)
    add(api, second, source="ine")
    assert similarity_of(api, first)["general_score"] == 1.0 and similarity_of(api, second) is None
    api.put(f"/addresses/{declared['id']}", json={"person_id": second})
    assert similarity_of(api, first) is None and similarity_of(api, second)["general_score"] == 1.0


def test_an_update_that_changes_nothing_records_no_event_and_no_history(api, session_factory):
    person_id = new_person(api)
    address = add(api, person_id)
    same = {"person_id": person_id, "state": "Ciudad de México", "street": "Marte", "latitude": None}
    response = api.put(f"/addresses/{address['id']}", json=same)
    assert response.json() == {"success": True, "result": address}
    assert len(events_of(session_factory, address["id"])) == 1
    history = api.get(f"/people/{person_id}/history").json()["result"]["data"]
    assert [e["action"] for e in history if e["resource_type"] == "address"] == ["create"]


def test_the_address_of_a_deleted_person_can_be_corrected_resending_its_person_id(api):
    person_id = new_person(api)
    address = add(api, person_id)
    api.delete(f"/people/{person_id}")
    response = api.put(f"/addresses/{address['id']}", json={"person_id": person_id, "zip_code": "08017"})
    assert response.status_code == 200 and response.json()["result"]["zip_code"] == "08017"
