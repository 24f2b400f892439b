"""Custom catalogs and their values over HTTP: the seed's examples, typed values, uniqueness, bulk CSV."""

import uuid

import pytest

from tests.api.test_pagination import walk

# A catalog and a value id no test creates (ids are random UUIDs v4; this one is not even a v4).
UNKNOWN = "00000000-0000-0000-0000-000000000000"
SEED_CATALOG = {"name": "Catalogo de prueba", "description": "Catalogo de prueba"}
ONE_FILE = "Envíe el CSV en csv_file o en file, uno solo"
SEED_VALUE = {"label": "Test 01", "type": "string", "value": "test_01", "groups": ["Basic", "Advanced"]}


def new_catalog(api, **overrides) -> dict:
    response = api.post("/custom-catalogs", json=SEED_CATALOG | overrides)
    assert response.status_code == 201, response.text
    return response.json()["result"]


def new_value(api, catalog_id, **overrides) -> dict:
    response = api.post("/custom-catalog-values", json=SEED_VALUE | {"custom_catalog_id": catalog_id} | overrides)
    assert response.status_code == 201, response.text
    return response.json()["result"]


def bulk(api, catalog_id, content: bytes, field="csv_file", filename="valores.csv", content_type="text/csv"):
    return api.post(
        "/custom-catalog-values/bulk",
        data={"custom_catalog_id": str(catalog_id)},
        files={field: (filename, content, content_type)},
    )


def values_of(api, catalog_id) -> list[dict]:
    return api.get(f"/custom-catalogs/{catalog_id}").json()["result"]["values"]


# --- catalogs -------------------------------------------------------------------------------------------


def test_the_seed_catalog_reads_back_with_an_empty_list_of_values(api):
    catalog = new_catalog(api)
    assert uuid.UUID(catalog["id"]).version == 4 and catalog["name"] == "Catalogo de prueba"
    assert catalog["created_at"].endswith("Z")
    assert api.get(f"/custom-catalogs/{catalog['id']}").json() == {"success": True, "result": catalog | {"values": []}}


def test_catalogs_are_listed_oldest_first_without_their_values(api):
    first, second = new_catalog(api, name="A"), new_catalog(api, name="B")
    listed = [c for page in walk(api, "/custom-catalogs?per_page=100") for c in page["data"]]
    ids = [c["id"] for c in listed]
    assert ids.index(first["id"]) < ids.index(second["id"])
    assert [c["created_at"] for c in listed] == sorted(c["created_at"] for c in listed)
    assert all("values" not in c for c in listed)


def test_a_catalog_update_is_partial_and_returns_no_values(api):
    catalog = new_catalog(api)
    updated = api.put(f"/custom-catalogs/{catalog['id']}", json={"name": "Giros"}).json()["result"]
    assert updated["name"] == "Giros" and updated["description"] == "Catalogo de prueba" and "values" not in updated


def test_an_unknown_catalog_is_a_404_in_the_envelope(api):
    assert api.get(f"/custom-catalogs/{UNKNOWN}").json() == {
        "success": False,
        "code": 404,
        "error": "No se encontró el catálogo personalizado",
    }
    assert api.put(f"/custom-catalogs/{UNKNOWN}", json={"name": "x"}).status_code == 404


@pytest.mark.parametrize(
    "path", ["/custom-catalogs/1", "/custom-catalog-values/1", "/custom-catalog-values?custom_catalog_id=1"]
)
def test_an_id_that_is_not_a_uuid_is_a_400(api, path):
    response = api.get(path)
    assert response.status_code == 400
    assert response.json()["success"] is False and response.json()["code"] == 400


def test_a_uuid_in_upper_case_names_the_same_catalog_and_is_stored_in_lower_case(api):
    catalog = new_catalog(api)
    shouting = catalog["id"].upper()
    assert api.get(f"/custom-catalogs/{shouting}").json()["result"]["id"] == catalog["id"]
    value = new_value(api, shouting)
    assert value["custom_catalog_id"] == catalog["id"]
    assert api.get(f"/custom-catalog-values/{value['id'].upper()}").json()["result"] == value
    assert api.get(f"/custom-catalog-values?custom_catalog_id={shouting}").json()["result"]["data"] == [value]
    moved = api.put(f"/custom-catalog-values/{value['id']}", json={"custom_catalog_id": shouting, "label": "Otra"})
    assert moved.json()["result"]["custom_catalog_id"] == catalog["id"]


# --- values one by one ----------------------------------------------------------------------------------


def test_the_seed_value_is_created_read_and_listed_by_catalog(api):
    catalog = new_catalog(api)
    value = new_value(api, catalog["id"])
    assert value | {"id": 0, "created_at": "", "updated_at": ""} == SEED_VALUE | {
        "id": 0,
        "custom_catalog_id": catalog["id"],
        "created_at": "",
        "updated_at": "",
    }
    assert api.get(f"/custom-catalog-values/{value['id']}").json()["result"] == value
    listed = api.get(f"/custom-catalog-values?custom_catalog_id={catalog['id']}").json()["result"]["data"]
    assert listed == [value]
    assert values_of(api, catalog["id"]) == [value]


@pytest.mark.parametrize(
    "value_type,value",
    [("integer", 42), ("number", 2.5), ("boolean", False), ("datetime", "2022-07-29T19:59:40Z"), ("array", ["a", "b"])],
)
def test_each_type_keeps_its_value(api, value_type, value):
    catalog = new_catalog(api)
    assert new_value(api, catalog["id"], type=value_type, value=value)["value"] == value


@pytest.mark.parametrize(
    "value_type,value",
    [("integer", "42"), ("integer", 4.2), ("number", True), ("boolean", "true"), ("datetime", "ayer"), ("array", "a")],
)
def test_a_value_that_does_not_fit_its_type_is_a_422_on_value(api, value_type, value):
    catalog = new_catalog(api)
    body = SEED_VALUE | {"custom_catalog_id": catalog["id"], "type": value_type, "value": value}
    assert api.post("/custom-catalog-values", json=body).json() == {
        "success": False,
        "code": 422,
        "error": {"value": [f"No corresponde al tipo {value_type}"]},
        "rules": {"value": ["catalog_value_type"]},
    }


def test_a_value_is_unique_within_its_catalog_but_not_across_catalogs(api):
    catalog, other = new_catalog(api), new_catalog(api)
    new_value(api, catalog["id"])
    repeated = api.post("/custom-catalog-values", json=SEED_VALUE | {"custom_catalog_id": catalog["id"]})
    assert repeated.status_code == 422
    assert repeated.json()["error"] == {"value": ["Ya existe en este catálogo"]}
    assert new_value(api, other["id"])["value"] == "test_01"


def test_an_unknown_catalog_is_a_422_on_custom_catalog_id_not_a_404(api):
    response = api.post("/custom-catalog-values", json=SEED_VALUE | {"custom_catalog_id": UNKNOWN})
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"custom_catalog_id": [f"No existe custom_catalog_id: {UNKNOWN}"]},
        "rules": {"custom_catalog_id": ["unknown_reference"]},
    }


def test_groups_default_to_an_empty_list(api):
    catalog = new_catalog(api)
    body = {"custom_catalog_id": catalog["id"], "label": "Sin grupos", "type": "integer", "value": 1}
    assert api.post("/custom-catalog-values", json=body).json()["result"]["groups"] == []


def test_a_value_update_is_partial(api):
    value = new_value(api, new_catalog(api)["id"])
    updated = api.put(f"/custom-catalog-values/{value['id']}", json={"label": "Prueba"}).json()["result"]
    assert updated == value | {"label": "Prueba", "updated_at": updated["updated_at"]}


def test_changing_the_type_alone_must_leave_a_value_of_the_new_type(api):
    value = new_value(api, new_catalog(api)["id"])
    refused = api.put(f"/custom-catalog-values/{value['id']}", json={"type": "integer"})
    assert refused.json()["error"] == {"value": ["No corresponde al tipo integer"]}
    changed = api.put(f"/custom-catalog-values/{value['id']}", json={"type": "integer", "value": 7}).json()["result"]
    assert (changed["type"], changed["value"]) == ("integer", 7)


def test_an_update_may_not_repeat_another_value_of_the_catalog_nor_move_to_an_unknown_catalog(api):
    catalog = new_catalog(api)
    new_value(api, catalog["id"])
    other = new_value(api, catalog["id"], value="test_02")
    assert api.put(f"/custom-catalog-values/{other['id']}", json={"value": "test_01"}).status_code == 422
    moved = api.put(f"/custom-catalog-values/{other['id']}", json={"custom_catalog_id": UNKNOWN})
    assert moved.json()["error"] == {"custom_catalog_id": [f"No existe custom_catalog_id: {UNKNOWN}"]}


def test_an_unknown_value_is_a_404(api):
    assert api.get(f"/custom-catalog-values/{UNKNOWN}").status_code == 404
    assert api.put(f"/custom-catalog-values/{UNKNOWN}", json={"label": "x"}).status_code == 404


def test_values_of_an_unknown_catalog_are_an_empty_list(api):
    assert api.get(f"/custom-catalog-values?custom_catalog_id={UNKNOWN}").json()["result"]["data"] == []


# --- bulk CSV -------------------------------------------------------------------------------------------

SEED_CSV = (
    b"type,label,value\nstring,Test 01,test_01\ninteger,Uno,1\nboolean,Activo,true\narray,Grupos,Basic|Advanced\n"
)


def test_a_csv_inserts_every_row_typed_and_without_groups(api):
    catalog = new_catalog(api)
    assert bulk(api, catalog["id"], SEED_CSV).json() == {"success": True, "result": "Ok"}
    stored = [(v["type"], v["label"], v["value"], v["groups"]) for v in values_of(api, catalog["id"])]
    assert stored == [
        ("string", "Test 01", "test_01", []),
        ("integer", "Uno", 1, []),
        ("boolean", "Activo", True, []),
        ("array", "Grupos", ["Basic", "Advanced"], []),
    ]


def test_a_csv_with_a_bad_row_inserts_nothing_and_lists_errors_by_line(api):
    catalog = new_catalog(api)
    response = bulk(api, catalog["id"], b"type,label,value\ninteger,Uno,1\ninteger,Tres,abc\nfloat,x,1\n")
    assert response.status_code == 422
    assert response.json()["error"] == {
        "3": ["value: 'abc' no es un integer válido"],
        "4": ["type: debe ser uno de: string, integer, number, boolean, datetime, array"],
    }
    assert values_of(api, catalog["id"]) == []


def test_a_value_repeated_in_the_file_or_already_in_the_catalog_is_an_error_of_its_line(api):
    catalog = new_catalog(api)
    new_value(api, catalog["id"])
    response = bulk(api, catalog["id"], b"type,label,value\nstring,A,test_01\ninteger,B,5\ninteger,C,5\n")
    assert response.json()["error"] == {
        "2": ["value: ya existe en el catálogo"],
        "4": ["value: repetido de la línea 3"],
    }
    assert len(values_of(api, catalog["id"])) == 1


def test_the_file_may_come_as_file_and_its_name_and_content_type_are_not_trusted(api):
    catalog = new_catalog(api)
    response = bulk(api, catalog["id"], SEED_CSV, field="file", filename="datos.png", content_type="image/png")
    assert response.status_code == 201
    assert len(values_of(api, catalog["id"])) == 4


def test_exactly_one_file_is_needed(api):
    catalog = new_catalog(api)
    # A multipart body with the catalog id alone.
    none = api.post("/custom-catalog-values/bulk", files={"custom_catalog_id": (None, str(catalog["id"]))})
    assert none.json()["error"] == {"csv_file": [ONE_FILE]}
    both = api.post(
        "/custom-catalog-values/bulk",
        data={"custom_catalog_id": str(catalog["id"])},
        files={"csv_file": ("a.csv", SEED_CSV), "file": ("b.csv", SEED_CSV)},
    )
    assert both.json() == {
        "success": False,
        "code": 422,
        "error": {"csv_file": [ONE_FILE]},
        "rules": {"csv_file": ["file_source"]},
    }


def test_a_file_larger_than_two_megabytes_is_a_413(api):
    catalog = new_catalog(api)
    row = b"string,Etiqueta,valor\n"
    big = b"type,label,value\n" + row * (2 * 1024 * 1024 // len(row) + 1)
    assert bulk(api, catalog["id"], big).status_code == 413


def test_a_file_that_is_not_utf8_csv_is_a_422_on_csv_file(api):
    catalog = new_catalog(api)
    response = bulk(api, catalog["id"], "type,label,value\nstring,Año,añejo\n".encode("latin-1"))
    assert response.json()["error"] == {"csv_file": ["El archivo no es CSV en UTF-8"]}


def test_a_wrong_header_is_reported_on_line_one(api):
    response = bulk(api, new_catalog(api)["id"], b"tipo,etiqueta,valor\nstring,a,b\n")
    assert response.json()["error"] == {"1": ["header: debe ser exactamente type,label,value"]}


def test_an_unknown_catalog_in_a_bulk_load_is_a_422(api):
    response = bulk(api, UNKNOWN, SEED_CSV)
    assert response.json()["error"] == {"custom_catalog_id": [f"No existe custom_catalog_id: {UNKNOWN}"]}


def test_the_csv_may_also_come_as_a_plain_form_field(api):
    catalog = new_catalog(api)
    fields = {"custom_catalog_id": (None, str(catalog["id"])), "csv_file": (None, SEED_CSV.decode())}
    assert api.post("/custom-catalog-values/bulk", files=fields).status_code == 201
    assert len(values_of(api, catalog["id"])) == 4


def test_ten_thousand_rows_in_almost_two_megabytes_are_loaded(api):
    catalog = new_catalog(api)
    rows = "".join(f"string,Etiqueta {n},{'v' * 165}{n:05d}\n" for n in range(10_000))
    content = ("type,label,value\n" + rows).encode()
    assert 1_900_000 < len(content) <= 2 * 1024 * 1024
    assert bulk(api, catalog["id"], content).status_code == 201
    page = api.get(f"/custom-catalog-values?custom_catalog_id={catalog['id']}&per_page=100&page=100").json()["result"]
    assert page["data"][-1]["label"] == "Etiqueta 9999" and page["next_page_url"] is None
