"""A person from a CURP takes its names from the CURP registry, and the nationality the CURP implies.

The registry is the local table (`personas registry load`, filled here through its repository) or, with
PERSONAS_CURP_REGISTRY_URL, an HTTP service: here a fake one on 127.0.0.1 (tests/fake_registry.py).
"""

import contextlib
from datetime import date

import pytest

from personas.app import create_app
from personas.config import Settings
from tests.conftest import Client, make_key
from tests.fake_registry import sample_record
from tests.support import mariadb_url, new_curp, person_body, register_curps, registry_row


@contextlib.contextmanager
def app_on(database_url, **settings):
    app = create_app(
        Settings(database_url=database_url, secret_key="test-secret", allowed_hosts=("testserver",), **settings)
    )
    key, _ = make_key(app.container.session_factory, name="registry")
    with app.test_client() as http:
        yield Client(http, key)
    app.container.close()


@pytest.fixture(scope="module")
def local(tmp_path_factory, database_url):
    """An app on a database of this module's (a loaded local registry is in use for every `curp` validation
    on its database): (client, session factory)."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('registry') / 'personas.sqlite3'}"
    else:
        url = mariadb_url("registry_")
    app = create_app(Settings(database_url=url, secret_key="test-secret", allowed_hosts=("testserver",)))
    key, _ = make_key(app.container.session_factory, name="registry")
    with app.test_client() as http:
        yield Client(http, key), app.container.session_factory
    app.container.close()


def rules_of(response) -> dict:
    return response.json().get("rules", {})


def test_a_person_from_a_curp_takes_its_names_from_the_local_registry(local):
    api, session_factory = local
    curp = new_curp(born=date(1975, 3, 9), sex="M", state="YN")
    register_curps(session_factory, registry_row(curp, name="Lucía", first_lastname="Pech", second_lastname="Canul"))
    response = api.post("/people/curp", json={"curp": curp})
    assert response.status_code == 201, response.text
    person = response.json()["result"]
    assert (person["name"], person["first_lastname"], person["second_lastname"]) == ("Lucía", "Pech", "Canul")
    assert person["national_id"] == curp and person["gender"] == "FEMALE" and person["state"]["code"] == "YN"
    assert person["nationality_id"] == 144 and person["curp_nationality_id"] == 144


def test_a_curp_the_registry_does_not_know_makes_no_person(local):
    api, _ = local
    curp = new_curp()
    response = api.post("/people/curp", json={"curp": curp})
    assert response.status_code == 422
    assert rules_of(response) == {"curp": ["curp_not_in_registry"]}
    assert api.get(f"/people/national-id/{curp}").status_code == 404


def test_a_curp_the_registry_lists_as_inactive_makes_no_person(local):
    api, session_factory = local
    curp = new_curp()
    register_curps(session_factory, registry_row(curp, status="inactive", status_detail="defunción"))
    response = api.post("/people/curp", json={"curp": curp})
    assert response.status_code == 422
    assert rules_of(response) == {"curp": ["curp_inactive"]}
    assert "defunción" in response.json()["error"]["curp"][0]


def test_the_http_registry_answers_the_names(database_url, fake_registry):
    curp = new_curp(state="NL")
    fake_registry.add(sample_record(curp, name="Jorge", first_lastname="Garza", second_lastname=None))
    with app_on(database_url, curp_registry_url=fake_registry.url, curp_registry_timeout=1.0) as api:
        response = api.post("/people/curp", json={"curp": curp})
        assert response.status_code == 201, response.text
        person = response.json()["result"]
        assert (person["name"], person["first_lastname"], person["second_lastname"]) == ("Jorge", "Garza", "")
        unknown = api.post("/people/curp", json={"curp": new_curp()})
        assert unknown.status_code == 422 and rules_of(unknown) == {"curp": ["curp_not_in_registry"]}


@pytest.mark.parametrize(
    ("mode", "options", "retry_after"),
    [("slow", {"delay": 3.0}, "30"), ("garbage", {}, "30"), ("error", {"retry_after": "7"}, "7")],
)
def test_a_registry_that_does_not_answer_is_a_503_with_retry_after(
    database_url, fake_registry, mode, options, retry_after
):
    curp = new_curp()
    fake_registry.add(sample_record(curp))
    fake_registry.respond(mode, **options)
    with app_on(database_url, curp_registry_url=fake_registry.url, curp_registry_timeout=0.3) as api:
        response = api.post("/people/curp", json={"curp": curp})
        assert response.status_code == 503, response.text
        assert response.headers["Retry-After"] == retry_after
        assert response.json()["success"] is False and response.json()["code"] == 503
        assert api.get(f"/people/national-id/{curp}").status_code == 404


def test_a_person_born_in_a_mexican_state_is_mexican_unless_told_otherwise(api):
    born_here = api.post("/people", json=person_body(national_id=new_curp(state="DF"))).json()["result"]
    assert born_here["nationality_id"] == 144 and born_here["curp_nationality_id"] == 144
    assert born_here["nationality"]["code"] == "MEX"
    abroad = api.post("/people", json=person_body(national_id=new_curp(state="NE"))).json()["result"]
    assert abroad["nationality_id"] is None and abroad["curp_nationality_id"] is None
    # A nationality that is sent stands (a Mexican by birth may hold another); the derived fact is shown.
    dual = api.post("/people", json=person_body(national_id=new_curp(state="JC"), nationality_id=60)).json()
    assert dual["result"]["nationality_id"] == 60 and dual["result"]["curp_nationality_id"] == 144


def test_a_curp_validation_asks_the_registry_when_one_is_configured(database_url, fake_registry):
    from tests.api.test_validations import app_with_validations, run_on_person

    agreeing, renamed, inactive, down = (new_curp() for _ in range(4))
    fake_registry.add(sample_record(agreeing, name="Ana María", first_lastname="López", second_lastname="Díaz"))
    fake_registry.add(sample_record(renamed, name="Rosa", first_lastname="Canul", second_lastname="Pech"))
    fake_registry.add(sample_record(inactive, status="inactive", status_detail="baja por defunción"))
    fake_registry.add(sample_record(down))
    fake_registry.respond("error", curp=down, retry_after="5")
    settings = {"curp_registry_url": fake_registry.url, "curp_registry_timeout": 1.0}
    with app_with_validations(database_url, **settings) as (api, _):
        body = {"name": "RENAPO", "class": "curp", "execution_type": "manual", "config": {}}
        validation = api.post("/validations", json=body).json()["result"]

        def run(curp, **names):
            created = api.post("/people", json=person_body(national_id=curp, **names))
            assert created.status_code == 201, created.text
            # Up to 60 s: the job threads also run the automatic validations other tests left active.
            return run_on_person(api, created.json()["result"]["id"], validation["id"], 60.0)

        # Accents and case aside, the names are the registry's: it passes, and what the registry said is kept.
        passed = run(agreeing, name="ANA MARIA", first_lastname="Lopez", second_lastname="diaz")
        assert passed["status"] == 0, passed
        assert passed["content"]["registry"]["curp"] == agreeing and passed["content"]["names_agree"] is True
        different = run(renamed, name="Ana", first_lastname="López", second_lastname="Díaz")
        assert different["status"] == 1 and different["content"]["names_agree"] is False
        assert different["content"]["registry"]["name"] == "Rosa"
        gone = run(inactive)
        assert gone["status"] == 1 and gone["content"]["registry"]["status"] == "inactive"
        unanswered = run(down)
        assert unanswered["status"] == 2 and "registry" in unanswered["error"]
        unknown = run(new_curp())
        assert unknown["status"] == 1 and unknown["content"]["registry"] is None
