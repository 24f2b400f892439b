"""Dynamic properties and dynamic values over HTTP: descriptors judged when saved, values judged and versioned."""

import threading
import time
import uuid

from tests.support import person_body

UNKNOWN_ID = "b94252a1-c4ef-4aa5-a799-de77dc02fd5a"


def unique_name(prefix="Test") -> str:
    # Keys are unique service-wide and the test database lives for the whole session.
    return f"{prefix} {uuid.uuid4().hex[:10]}"


def new_catalog(api, *values) -> str:
    catalog = api.post("/custom-catalogs", json={"name": "Opciones"}).json()["result"]
    for n, value in enumerate(values):
        body = {"custom_catalog_id": catalog["id"], "label": f"Opción {n}", "type": "string", "value": value}
        assert api.post("/custom-catalog-values", json=body).status_code == 201
    return catalog["id"]


def new_property(api, descriptor=None, name=None) -> dict:
    descriptor = descriptor or [{"title": "Test 01", "type": "string", "key": "test_01", "rules": ["max:50", "min:10"]}]
    response = api.post("/dynamic-properties", json={"name": name or unique_name(), "descriptor": descriptor})
    assert response.status_code == 201, response.text
    return response.json()["result"]


def new_person(api) -> dict:
    response = api.post("/people", json=person_body())
    assert response.status_code == 201, response.text
    return response.json()["result"]


def save(api, prop, person, values, **extra):
    return api.post(
        f"/dynamic-properties/{prop['id']}/values", json={"person_id": person["id"], "values": values} | extra
    )


# --- properties -----------------------------------------------------------------------------------------


def test_the_seed_example_creates_a_property_whose_key_is_the_slug_of_its_name(api):
    catalog_id = new_catalog(api, "test_01")
    name = unique_name("Test 01")
    field = {"title": "Test 01", "type": "string", "key": "test_01", "filter_group": "Basic"}
    field |= {"rules": ["max:50", "min:10"], "catalog_id": catalog_id}
    response = api.post("/dynamic-properties", json={"name": name, "description": "Test 01", "descriptor": [field]})
    assert response.status_code == 201, response.text
    prop = response.json()["result"]
    assert prop["key"] == name.lower().replace(" ", "_") and prop["descriptor"] == [field]
    assert api.get(f"/dynamic-properties/{prop['id']}").json() == {"success": True, "result": prop}


def test_optional_field_keys_come_back_as_null_or_empty(api):
    prop = new_property(api, [{"title": "Edad", "type": "integer", "key": "edad"}])
    assert prop["descriptor"] == [
        {"title": "Edad", "type": "integer", "key": "edad", "filter_group": None, "rules": [], "catalog_id": None}
    ]


def test_a_name_whose_key_is_taken_is_a_422_on_name(api):
    name = unique_name()
    new_property(api, name=name)
    response = api.post(
        "/dynamic-properties", json={"name": name.upper(), "descriptor": [{"title": "a", "type": "string", "key": "a"}]}
    )
    key = name.lower().replace(" ", "_")
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"name": [f"Ya existe una propiedad con esa clave: {key}"]},
        "rules": {"name": ["duplicate_property_key"]},
    }


def test_unknown_and_malformed_rules_and_unknown_catalogs_are_refused_when_the_property_is_saved(api):
    descriptor = [
        {
            "title": "a",
            "type": "string",
            "key": "a",
            "rules": ["max:50", "sometimes", "regex:(a)\\1"],
            "catalog_id": UNKNOWN_ID,
        },
        {"title": "b", "type": "integer", "key": "a", "rules": ["min:ten"]},
    ]
    response = api.post("/dynamic-properties", json={"name": unique_name(), "descriptor": descriptor})
    assert response.status_code == 422
    assert response.json()["error"] == {
        "descriptor.0.rules.1": ["Regla desconocida: sometimes"],
        "descriptor.0.rules.2": ["Regla mal formada: regex:(a)\\1 (patrón inválido: invalid escape sequence: \\1)"],
        "descriptor.0.catalog_id": [f"No existe el catálogo: {UNKNOWN_ID}"],
        "descriptor.1.key": ["Clave repetida en el descriptor: a"],
        "descriptor.1.rules.0": ["Regla mal formada: min:ten (necesita un número)"],
    }


def test_a_name_without_letters_or_digits_is_refused(api):
    response = api.post(
        "/dynamic-properties", json={"name": "¡¿?!", "descriptor": [{"title": "a", "type": "string", "key": "a"}]}
    )
    assert response.json()["error"] == {"name": ["El nombre no produce una clave"]}


def test_an_update_is_partial_a_new_name_gives_a_new_key_and_a_descriptor_replaces_the_old_one(api):
    prop = new_property(api)
    renamed = api.put(f"/dynamic-properties/{prop['id']}", json={"description": "Datos extra"}).json()["result"]
    assert renamed["key"] == prop["key"] and renamed["descriptor"] == prop["descriptor"]
    name = unique_name("Ingresos Extra")
    descriptor = [{"title": "Monto", "type": "number", "key": "monto", "rules": ["min:0"]}]
    updated = api.put(f"/dynamic-properties/{prop['id']}", json={"name": name, "descriptor": descriptor}).json()[
        "result"
    ]
    assert updated["key"] == name.lower().replace(" ", "_")
    assert [f["key"] for f in updated["descriptor"]] == ["monto"]
    assert updated["description"] == "Datos extra"


def test_an_update_may_not_take_another_property_s_key_nor_hold_a_bad_rule(api):
    taken, prop = new_property(api), new_property(api)
    assert api.put(f"/dynamic-properties/{prop['id']}", json={"name": taken["name"]}).status_code == 422
    bad = [{"title": "a", "type": "boolean", "key": "a", "rules": ["max:1"]}]
    response = api.put(f"/dynamic-properties/{prop['id']}", json={"descriptor": bad})
    assert response.json()["error"] == {"descriptor.0.rules.0": ["La regla no aplica al tipo boolean: max"]}
    assert api.get(f"/dynamic-properties/{prop['id']}").json()["result"] == prop


def test_properties_are_listed_oldest_first(api):
    first, second = new_property(api), new_property(api)
    ids, page = [], 1
    while True:
        result = api.get(f"/dynamic-properties?per_page=100&page={page}").json()["result"]
        ids += [p["id"] for p in result["data"]]
        if not result["next_page_url"]:
            break
        page += 1
    assert ids.index(first["id"]) < ids.index(second["id"])


def test_an_unknown_property_is_a_404(api):
    assert api.get(f"/dynamic-properties/{UNKNOWN_ID}").json() == {
        "success": False,
        "code": 404,
        "error": "No se encontró la propiedad dinámica",
    }
    assert api.put(f"/dynamic-properties/{UNKNOWN_ID}", json={"description": "x"}).status_code == 404
    body = {"person_id": UNKNOWN_ID, "values": {}}
    assert api.post(f"/dynamic-properties/{UNKNOWN_ID}/values", json=body).status_code == 404


# --- saving values --------------------------------------------------------------------------------------


def test_the_seed_example_saves_version_one_with_the_property_attached(api):
    prop, person = new_property(api), new_person(api)
    response = save(api, prop, person, {"test_01": "test_01_valor"}, dynamic_property_id=prop["id"])
    assert response.status_code == 201, response.text
    value = response.json()["result"]
    assert value["values"] == {"test_01": "test_01_valor"} and value["version"] == 1
    assert value["person_id"] == person["id"] and value["dynamic_property_id"] == prop["id"]
    assert value["dynamic_descriptor"] == prop
    assert api.get(f"/dynamic-values/{value['id']}").json() == {"success": True, "result": value}


def test_values_that_break_rules_are_a_422_keyed_by_field_and_nothing_is_saved(api):
    prop, person = new_property(api), new_person(api)
    response = save(api, prop, person, {"test_01": "corto", "colour": "red"})
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {
            "colour": ["No es un campo de esta propiedad"],
            "test_01": ["min:10 — debe tener al menos 10 caracteres"],
        },
        "rules": {"colour": ["unknown_property_field"], "test_01": ["dynamic_value_rule"]},
    }
    assert api.get(f"/dynamic-values?person_id={person['id']}").json()["result"]["data"] == []


def test_every_rule_type_is_enforced(api):
    descriptor = [
        {"title": "Correo", "type": "string", "key": "correo", "rules": ["required", "email"]},
        {"title": "Hijos", "type": "integer", "key": "hijos", "rules": ["min:0", "max:20"]},
        {"title": "Alta", "type": "datetime", "key": "alta", "rules": ["after:2000-01-01", "before:tomorrow"]},
        {"title": "Giro", "type": "string", "key": "giro", "rules": ["in:comercio,servicios", "nullable"]},
        {"title": "Clave", "type": "string", "key": "clave", "rules": ["regex:/^[a-z]{3}\\d{2}$/i"]},
        {"title": "Activo", "type": "boolean", "key": "activo"},
    ]
    prop, person = new_property(api, descriptor), new_person(api)
    good = {"correo": "a@example.com", "hijos": 2, "alta": "2020-05-01", "giro": None, "clave": "ABC12", "activo": True}
    assert save(api, prop, person, good).status_code == 201
    bad = {"correo": "nope", "hijos": -1, "alta": "1999-12-31", "giro": "otro", "clave": "AB12", "activo": "sí"}
    errors = save(api, prop, person, bad).json()["error"]
    assert sorted(errors) == sorted(good)
    assert errors["activo"] == ["type:boolean — debe ser true o false"]
    assert errors["hijos"] == ["min:0 — debe ser al menos 0"]


def test_a_field_with_a_catalog_takes_only_that_catalog_s_values(api):
    catalog_id = new_catalog(api, "comercio", "servicios")
    descriptor = [
        {"title": "Giro", "type": "string", "key": "giro", "catalog_id": catalog_id},
        {"title": "Giros", "type": "array", "key": "giros", "catalog_id": catalog_id},
    ]
    prop, person = new_property(api, descriptor), new_person(api)
    assert save(api, prop, person, {"giro": "comercio", "giros": ["comercio", "servicios"]}).status_code == 201
    errors = save(api, prop, person, {"giro": "pesca", "giros": ["comercio", "pesca"]}).json()["error"]
    message = f"catalog_id:{catalog_id} — debe ser un valor del catálogo {catalog_id}"
    assert errors == {"giro": [message], "giros": [message]}


def test_a_catalog_id_in_upper_case_is_stored_as_the_catalog_s_id(api):
    catalog_id = new_catalog(api, "comercio")
    prop = new_property(api, [{"title": "Giro", "type": "string", "key": "giro", "catalog_id": catalog_id.upper()}])
    assert prop["descriptor"][0]["catalog_id"] == catalog_id
    assert save(api, prop, new_person(api), {"giro": "comercio"}).status_code == 201


def test_a_catalog_id_that_is_not_a_uuid_is_refused_before_the_descriptor_is_judged(api):
    descriptor = [{"title": "Giro", "type": "string", "key": "giro", "catalog_id": 1}]
    response = api.post("/dynamic-properties", json={"name": unique_name(), "descriptor": descriptor})
    assert response.status_code == 422 and list(response.json()["error"]) == ["descriptor.0.catalog_id"]


def test_an_unknown_person_and_a_different_property_id_are_422s(api):
    prop = new_property(api)
    body = {"person_id": UNKNOWN_ID, "dynamic_property_id": UNKNOWN_ID, "values": {"test_01": "suficientemente largo"}}
    response = api.post(f"/dynamic-properties/{prop['id']}/values", json=body)
    assert response.json()["error"] == {
        "dynamic_property_id": ["No coincide con la propiedad de la ruta"],
        "person_id": ["No existe la persona"],
    }


def test_a_deleted_person_gets_no_new_values(api):
    prop, person = new_property(api), new_person(api)
    assert api.delete(f"/people/{person['id']}").status_code == 200
    assert save(api, prop, person, {"test_01": "suficientemente largo"}).status_code == 422


def test_values_saved_after_a_descriptor_change_follow_the_new_rules_and_old_versions_stay(api):
    prop, person = new_property(api), new_person(api)
    first = save(api, prop, person, {"test_01": "un valor largo"}).json()["result"]
    descriptor = [{"title": "Test 01", "type": "string", "key": "test_01", "rules": ["max:5"]}]
    api.put(f"/dynamic-properties/{prop['id']}", json={"descriptor": descriptor})
    assert save(api, prop, person, {"test_01": "un valor largo"}).status_code == 422
    assert save(api, prop, person, {"test_01": "corto"}).status_code == 201
    assert api.get(f"/dynamic-values/{first['id']}").json()["result"]["values"] == {"test_01": "un valor largo"}


# --- versions and reading values --------------------------------------------------------------------------


def test_each_save_is_a_new_version_and_the_person_sees_the_newest_per_property(api):
    prop, other, person = new_property(api), new_property(api), new_person(api)
    for text in ("primera versión", "segunda versión", "tercera versión"):
        assert save(api, prop, person, {"test_01": text}).status_code == 201
    save(api, other, person, {"test_01": "otra propiedad"})
    current = api.get(f"/people/{person['id']}/dynamic-values").json()["result"]["data"]
    assert sorted((v["dynamic_property_id"], v["version"], v["values"]["test_01"]) for v in current) == sorted(
        [(prop["id"], 3, "tercera versión"), (other["id"], 1, "otra propiedad")]
    )


def test_all_true_returns_every_version_newest_first_and_descriptor_id_filters(api):
    prop, other, person = new_property(api), new_property(api), new_person(api)
    for text in ("primera versión", "segunda versión"):
        save(api, prop, person, {"test_01": text})
    save(api, other, person, {"test_01": "otra propiedad"})
    every = api.get(f"/people/{person['id']}/dynamic-values?all=true&descriptor_id={prop['id']}").json()["result"]
    assert [v["version"] for v in every["data"]] == [2, 1]
    newest = api.get(f"/people/{person['id']}/dynamic-values?descriptor_id={prop['id']}").json()["result"]["data"]
    assert [v["version"] for v in newest] == [2]


def test_the_person_s_values_are_paginated(api):
    prop, person = new_property(api), new_person(api)
    for n in range(3):
        save(api, prop, person, {"test_01": f"versión número {n}"})
    page = api.get(f"/people/{person['id']}/dynamic-values?all=true&per_page=2").json()["result"]
    assert (len(page["data"]), page["from"], page["to"]) == (2, 1, 2) and page["next_page_url"]
    last = api.get(f"/people/{person['id']}/dynamic-values?all=true&per_page=2&page=2").json()["result"]
    assert [v["version"] for v in last["data"]] == [1] and last["next_page_url"] is None


def test_the_values_of_an_unknown_person_are_a_404(api):
    assert api.get(f"/people/{UNKNOWN_ID}/dynamic-values").json() == {
        "success": False,
        "code": 404,
        "error": "No se encontró la persona",
    }


def test_dynamic_values_lists_every_version_filtered_by_person_and_property(api):
    prop, person, someone = new_property(api), new_person(api), new_person(api)
    save(api, prop, person, {"test_01": "primera versión"})
    save(api, prop, person, {"test_01": "segunda versión"})
    save(api, prop, someone, {"test_01": "de otra persona"})
    listed = api.get(f"/dynamic-values?person_id={person['id']}&descriptor_id={prop['id']}").json()["result"]["data"]
    assert [(v["person_id"], v["version"]) for v in listed] == [(person["id"], 2), (person["id"], 1)]
    assert len(api.get(f"/dynamic-values?descriptor_id={prop['id']}").json()["result"]["data"]) == 3


def test_an_unknown_dynamic_value_is_a_404(api):
    assert api.get(f"/dynamic-values/{UNKNOWN_ID}").status_code == 404


def test_saved_values_appear_in_the_person_s_history(api):
    prop, person = new_property(api), new_person(api)
    value = save(api, prop, person, {"test_01": "valor con historia"}).json()["result"]
    history = api.get(f"/people/{person['id']}/history").json()["result"]["data"]
    entry = next(h for h in history if h["resource_type"] == "dynamic_value")
    assert entry["action"] == "create" and entry["resource_id"] == value["id"]
    assert entry["new_value"]["values"] == {"test_01": "valor con historia"} and entry["new_value"]["version"] == 1


def test_concurrent_saves_for_one_person_take_consecutive_versions(api, session_factory, monkeypatch):
    from personas.domain import dynamic_properties as dynamic
    from personas.persistence.repositories.dynamic_properties import DynamicPropertyRepository
    from personas.persistence.uow import UnitOfWork

    prop, person = new_property(api), new_person(api)
    lock = DynamicPropertyRepository.lock_person

    def late_lock(self, person_id):
        time.sleep(0.2)  # every request has read the person before any of them locks
        return lock(self, person_id)

    monkeypatch.setattr(DynamicPropertyRepository, "lock_person", late_lock)
    versions = []

    def save_one(n):
        with UnitOfWork(session_factory) as uow:
            body = {"person_id": person["id"], "values": {"test_01": f"guardado número {n}"}}
            versions.append(dynamic.save_values(uow, prop["id"], body).version)
            uow.commit()

    threads = [threading.Thread(target=save_one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(versions) == [1, 2, 3, 4]
