"""Validations and their results over HTTP: config per class, runs in the background, re-runs, events.

Background runs are awaited by polling the result with a bounded timeout. Outgoing calls from this
session's app are not allowlisted, so an external validation aimed at 127.0.0.1 ends in error
(the SSRF guard); tests/integration/test_validation_runs.py runs them against a real local server.
"""

import contextlib
import time

import pytest
from sqlalchemy import select

from personas.app import create_app
from personas.config import Settings
from personas.persistence.models import OutboxEvent
from tests.conftest import Client, make_key
from tests.support import new_curp, person_body, writing

PEOPLE_OPERATIONS = ("run_person_validations", "run_person_address_validations", "list_person_validation_results")
OPERATIONS = {"list_validations", "create_validation", "get_validation", "update_validation"}
OPERATIONS |= {"list_validation_results", "get_validation_result", "run_validation_result", *PEOPLE_OPERATIONS}


@contextlib.contextmanager
def app_with_validations(database_url, **settings):
    """An app of its own, with these settings, whose in-process jobs run the validations; yields
    (client, container)."""
    app = create_app(
        Settings(database_url=database_url, secret_key="test-secret", allowed_hosts=("testserver",), **settings)
    )
    state = app.container
    key, _ = make_key(state.session_factory, name="validations")
    with app.test_client() as http:
        assert http.get("/api/v1/health").status_code == 200
        yield Client(http, key), state
    state.close()


@pytest.fixture(scope="module")
def landed(database_url):
    with app_with_validations(database_url) as pair:
        yield pair


@pytest.fixture
def api(landed):
    return landed[0]


@pytest.fixture
def session_factory(landed):
    return landed[1].session_factory


MISSING = "00000000-0000-4000-8000-000000000000"
RUNNING = {"success": True, "result": "Validations running on background"}
SEED_CURP = {"name": "LicenseValidation", "class": "curp", "active": True, "execution_type": "auto", "config": {}}
SEED_DOCUMENT_CONFIG = {
    "body": [],
    "type": "document",
    "headers": [],
    "collection": "license",
    "success_if": "true",
    "file_field_name": "document",
}


@pytest.fixture
def make_validation(api):
    """Creates validations; each is deactivated afterwards so `auto` ones do not run in other tests."""
    made = []

    def make(**fields):
        body = SEED_CURP | {"execution_type": "manual"} | fields
        response = api.post("/validations", json=body)
        assert response.status_code == 201, response.text
        made.append(response.json()["result"]["id"])
        return response.json()["result"]

    yield make
    for validation_id in made:
        api.put(f"/validations/{validation_id}", json={"active": False})


def new_person(api, **fields) -> str:
    response = api.post("/people", json=person_body(**fields))
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


def settled(api, result_id, timeout=10.0) -> dict:
    """The result once its background run has ended (status other than 3 pending)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = api.get(f"/validation-results/{result_id}").json()["result"]
        if result["status"] != 3:
            return result
        time.sleep(0.05)
    raise AssertionError(f"validation result {result_id} still pending after {timeout} s")


def results_of(api, model_id, validation_id) -> list[dict]:
    return api.get(f"/validation-results?model_id={model_id}&validation_id={validation_id}").json()["result"]["data"]


def run_on_person(api, person_id, validation_id, timeout=10.0) -> dict:
    assert api.post(f"/people/{person_id}/validations/run", json={"validations": [validation_id]}).json() == RUNNING
    (result,) = results_of(api, person_id, validation_id)
    return settled(api, result["id"], timeout)


def events_named(session_factory, name, resource_id):
    with session_factory() as session:
        stmt = select(OutboxEvent).where(OutboxEvent.name == name, OutboxEvent.resource_id == resource_id)
        return [e.payload for e in session.scalars(stmt)]


def test_the_seed_example_creates_a_curp_validation_with_the_documented_defaults(api, make_validation):
    validation = make_validation(**SEED_CURP)
    assert validation["class"] == "curp" and validation["config"] == {"type": "curp"}
    assert validation["allow_retry"] is True and validation["execution_type"] == "auto"
    assert api.get(f"/validations/{validation['id']}").json() == {"success": True, "result": validation}
    listed = api.get("/validations?per_page=100").json()["result"]["data"]
    assert validation in listed


def test_the_seed_document_config_is_kept_as_sent_with_its_defaults_filled(api, make_validation):
    config = SEED_DOCUMENT_CONFIG | {"url": "https://validador.example.com/licencias"}
    validation = make_validation(**{"class": "document", "config": config})
    assert validation["config"] == config | {"method": "POST", "target": "person"}


def test_a_config_of_the_wrong_shape_for_its_class_is_refused_naming_the_field(api):
    response = api.post("/validations", json=SEED_CURP | {"class": "external", "config": {"method": "GET"}})
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"config.url": ["Campo obligatorio"]},
        "rules": {"config.url": ["validation_config"]},
    }
    response = api.post("/validations", json=SEED_CURP | {"config": {"success_if": "true"}})
    assert response.status_code == 422
    assert response.json()["error"] == {"config.success_if": ["Campo no admitido para esta clase"]}


def test_a_blacklist_must_name_an_existing_custom_catalog(api):
    body = SEED_CURP | {"class": "blacklist", "config": {"catalog_id": MISSING}}
    assert api.post("/validations", json=body).json() == {
        "success": False,
        "code": 422,
        "error": {"config.catalog_id": [f"No existe el catálogo: {MISSING}"]},
        "rules": {"config.catalog_id": ["unknown_reference"]},
    }


def test_a_blacklist_catalog_id_is_a_uuid_kept_in_lower_case(api, make_validation):
    refused = api.post("/validations", json=SEED_CURP | {"class": "blacklist", "config": {"catalog_id": 1}})
    assert refused.status_code == 422 and list(refused.json()["error"]) == ["config.catalog_id"]
    catalog = api.post("/custom-catalogs", json={"name": "Lista negra"}).json()["result"]
    validation = make_validation(**{"class": "blacklist", "config": {"catalog_id": catalog["id"].upper()}})
    assert validation["config"] == {"type": "blacklist", "catalog_id": catalog["id"]}


def test_an_update_is_partial_and_its_config_is_checked_against_the_class(api, make_validation):
    validation = make_validation()
    updated = api.put(f"/validations/{validation['id']}", json={"name": "Otra", "allow_retry": False}).json()["result"]
    assert updated["name"] == "Otra" and updated["allow_retry"] is False and updated["class"] == "curp"
    response = api.put(f"/validations/{validation['id']}", json={"config": {"url": "https://x.example"}})
    assert response.status_code == 422 and list(response.json()["error"]) == ["config.url"]


def test_unknown_ids_are_404(api):
    assert api.get(f"/validations/{MISSING}").json() == {
        "success": False,
        "code": 404,
        "error": "No se encontró la validación",
    }
    assert api.put(f"/validations/{MISSING}", json={"name": "x"}).status_code == 404
    assert api.get(f"/validation-results/{MISSING}").json() == {
        "success": False,
        "code": 404,
        "error": "No se encontró el resultado de validación",
    }
    assert api.post(f"/validation-results/{MISSING}/run").status_code == 404
    assert api.post(f"/people/{MISSING}/validations/run", json={}).status_code == 404
    assert api.post(f"/people/{MISSING}/addresses/validations/run", json={}).status_code == 404
    assert api.get(f"/people/{MISSING}/validation-results").status_code == 404


def test_a_curp_validation_run_on_request_passes_and_fires_person_pass_validation(
    api, make_validation, session_factory
):
    validation = make_validation()
    person_id = new_person(api)
    result = run_on_person(api, person_id, validation["id"])
    assert result["status"] == 0 and result["model_type"] == "person" and result["model_id"] == person_id
    assert result["metadata"] == {"provider": "local", "registry": None}
    assert result["error"] is None and result["retries"] == 0 and result["executed_at"] is not None
    (payload,) = events_named(session_factory, "person_pass_validation", person_id)
    assert payload == result | {"validation": api.get(f"/validations/{validation['id']}").json()["result"]}


def test_a_person_without_rfc_fails_the_rfc_validation_and_fires_person_fail_validation(
    api, make_validation, session_factory
):
    validation = make_validation(**{"class": "rfc"})
    person_id = new_person(api)
    result = run_on_person(api, person_id, validation["id"])
    assert result["status"] == 1 and result["error"] == "La persona no tiene RFC / The person has no RFC"
    assert [p["id"] for p in events_named(session_factory, "person_fail_validation", person_id)] == [result["id"]]


def test_a_blacklisted_curp_fails_and_names_the_entry(api, make_validation):
    curp = new_curp()
    catalog = api.post("/custom-catalogs", json={"name": "Lista negra", "description": "PLD"}).json()["result"]
    entry = {"custom_catalog_id": catalog["id"], "label": "Fraude 2024", "type": "string", "value": curp.lower()}
    assert api.post("/custom-catalog-values", json=entry).status_code == 201
    validation = make_validation(**{"class": "blacklist", "config": {"catalog_id": catalog["id"]}})
    listed = run_on_person(api, new_person(api, national_id=curp), validation["id"])
    assert listed["status"] == 1 and listed["content"] == {
        "matches": [{"field": "national_id", "label": "Fraude 2024"}]
    }
    clean = run_on_person(api, new_person(api), validation["id"])
    assert clean["status"] == 0 and clean["content"] == {"matches": []}


def test_document_and_ine_validations_without_the_files_end_in_error_naming_the_collection(api, make_validation):
    config = SEED_DOCUMENT_CONFIG | {"url": "https://validador.example.com/licencias"}
    person_id = new_person(api)
    for validation, collection in (
        (make_validation(**{"class": "document", "config": config}), config["collection"]),
        (make_validation(**{"class": "ine"}), "ine_front"),
    ):
        result = run_on_person(api, person_id, validation["id"])
        assert result["status"] == 2 and result["error"].endswith(f"no file in collection {collection!r}")


def test_listing_an_unknown_inactive_or_address_validation_to_run_is_refused(api, make_validation):
    inactive = make_validation(active=False)
    address = make_validation(**{"class": "external", "config": {"url": "https://v.example", "target": "address"}})
    person_id = new_person(api)
    response = api.post(
        f"/people/{person_id}/validations/run", json={"validations": [MISSING, inactive["id"], address["id"]]}
    )
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {
            "validations": [
                f"No existe la validación: {MISSING}",
                f"La validación no está activa: {inactive['id']}",
                f"La validación no aplica a person: {address['id']}",
            ]
        },
        "rules": {"validations": ["unknown_validation", "validation_inactive", "validation_target"]},
    }


def test_auto_validations_run_when_a_person_is_created_and_updated(api, make_validation):
    validation = make_validation(execution_type="auto")
    person_id = new_person(api)
    (created,) = results_of(api, person_id, validation["id"])
    assert settled(api, created["id"])["status"] == 0
    assert api.put(f"/people/{person_id}", json={"name": "Beatriz"}).status_code == 200
    assert len(results_of(api, person_id, validation["id"])) == 2
    latest = api.get(f"/people/{person_id}/validation-results").json()["result"]
    assert [r["validation_id"] for r in latest] == [validation["id"]]


def test_address_validations_run_on_address_creation_and_on_request_through_the_ssrf_guard(
    api, make_validation, session_factory
):
    from personas.persistence.models.validations import Validation

    config = {"url": "https://v.example/check", "target": "address"}
    validation = make_validation(**{"class": "external", "config": config, "execution_type": "auto"})
    # Saving refuses a loopback URL (422); the row is changed around the API to reach the run's guard.
    with writing(session_factory) as session:
        row = session.get(Validation, validation["id"])
        row.config = {**row.config, "url": "http://127.0.0.1:9/check"}
        session.commit()
    person_id = new_person(api)
    address = {"person_id": person_id, "street": "Marte", "ext_num": "12", "state": "DF", "municipality": "IZTACALCO"}
    address |= {"colony": "Cristobal Colon", "zip_code": "08016", "references": "Tienda"}
    address_id = api.post("/addresses", json=address).json()["result"]["id"]
    (auto,) = results_of(api, address_id, validation["id"])
    auto = settled(api, auto["id"])
    assert auto["model_type"] == "address" and auto["status"] == 2 and auto["error"].startswith("refused:")
    run = api.post(f"/people/{person_id}/addresses/validations/run", json={"validations": [validation["id"]]})
    assert run.json() == RUNNING
    assert len(results_of(api, address_id, validation["id"])) == 2
    latest = api.get(f"/people/{person_id}/validation-results").json()["result"]
    assert [(r["model_id"], r["validation_id"]) for r in latest] == [(address_id, validation["id"])]


def test_a_final_result_is_not_run_again_without_force_when_retries_are_not_allowed(api, make_validation):
    validation = make_validation(allow_retry=False)
    result = run_on_person(api, new_person(api), validation["id"])
    refused = api.post(f"/validation-results/{result['id']}/run")
    assert refused.json() == {
        "success": False,
        "code": 422,
        "error": {"force": ["La validación no permite reintentos; use force=true"]},
        "rules": {"force": ["retry_refused"]},
    }
    forced = api.post(f"/validation-results/{result['id']}/run?force=true")
    assert (forced.status_code, forced.json()["result"]) == (200, "Ok")  # the seed's answer
    assert forced.json()["validation_result"]["retries"] == 1 and forced.json()["validation_result"]["status"] == 3
    again = settled(api, result["id"])
    assert again["status"] == 0 and again["retries"] == 1


def test_a_result_whose_validation_allows_retries_runs_again_without_force(api, make_validation):
    validation = make_validation(**{"class": "rfc"})
    result = run_on_person(api, new_person(api), validation["id"])
    assert api.post(f"/validation-results/{result['id']}/run").status_code == 200
    assert settled(api, result["id"])["retries"] == 1


def test_results_list_filters_by_record_and_validation(api, make_validation):
    first, second = make_validation(), make_validation(**{"class": "rfc"})
    person_id = new_person(api)
    api.post(f"/people/{person_id}/validations/run", json={"validations": [first["id"], second["id"]]})
    both = api.get(f"/validation-results?model_id={person_id}").json()["result"]
    assert {r["validation_id"] for r in both["data"]} == {first["id"], second["id"]}
    assert both["current_page"] == 1 and both["from"] == 1 and both["to"] == 2
    assert [r["validation_id"] for r in results_of(api, person_id, second["id"])] == [second["id"]]
