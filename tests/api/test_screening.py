"""The `blacklist` validation against loaded watch lists: approximate names, the candidates a failed result
lists, and the review of those matches (kept in the result's and the person's history).

Lists are loaded here through `personas.domain.screenings.load_list`, as `personas lists load` does.
Runs are awaited up to `WAIT` seconds: the app's job threads also run the automatic validations other
tests left on the shared database, so a loaded machine can keep a run queued well past 10 s.
"""

import pytest

from personas.domain import screenings
from personas.persistence.uow import UnitOfWork
from tests.api.test_validations import app_with_validations, run_on_person, settled
from tests.support import person_body

WAIT = 60.0
UIF = (
    "entry_id,name,aliases,curp,rfc,kind\n"
    "UIF-1,JUAN CARLOS PÉREZ GÓMEZ,Juan Charly Perez,,,individual\n"
    "UIF-2,MARÍA DE LA LUZ HERNÁNDEZ,,,,individual\n"
    "UIF-3,Comercializadora Ficticia del Norte,,,,entity\n"
)


def load(session_factory, name: str, text: str) -> None:
    with UnitOfWork(session_factory) as uow:
        screenings.load_list(uow, name, "csv", text.encode(), source=f"{name}.csv")
        uow.commit()


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


@pytest.fixture
def screening_validation(api, session_factory):
    load(session_factory, "uif-test", UIF)
    body = {"name": "UIF", "class": "blacklist", "execution_type": "manual", "config": {"lists": ["uif-test"]}}
    response = api.post("/validations", json=body)
    assert response.status_code == 201, response.text
    yield response.json()["result"]
    api.put(f"/validations/{response.json()['result']['id']}", json={"active": False})


def person(api, name, first, second="") -> str:
    response = api.post("/people", json=person_body(name=name, first_lastname=first, second_lastname=second))
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


def test_the_loaded_lists_are_published(api, session_factory):
    load(session_factory, "uif-published", UIF)
    (listed,) = [item for item in api.get("/watch-lists").json()["result"] if item["name"] == "uif-published"]
    assert listed["format"] == "csv" and listed["entries"] == 3 and listed["source"] == "uif-published.csv"


def test_a_config_naming_a_list_not_loaded_is_refused(api):
    body = {"name": "x", "class": "blacklist", "config": {"lists": ["no-such-list"]}}
    response = api.post("/validations", json=body)
    assert response.status_code == 422
    assert response.json()["rules"] == {"config.lists": ["unknown_watch_list"]}


@pytest.mark.parametrize(
    ("name", "first", "second", "entry"),
    [
        ("Juan Karlos", "Peres", "Gomes", "UIF-1"),  # typos
        ("Gómez Pérez", "Juan", "Carlos", "UIF-1"),  # surnames first
        ("Juan Carlos", "Pérez", "", "UIF-1"),  # no second surname
        ("maria de la luz", "HERNANDEZ", "", "UIF-2"),  # particles, accents, case
    ],
)
def test_variants_of_a_listed_name_fail_naming_the_entry(api, screening_validation, name, first, second, entry):
    result = run_on_person(api, person(api, name, first, second), screening_validation["id"], WAIT)
    assert result["status"] == 1, result
    (candidate,) = [c for c in result["content"]["candidates"] if c["entry_id"] == entry]
    assert candidate["list"] == "uif-test" and candidate["field"] == "name" and 0 < candidate["score"] <= 100
    assert candidate["matched_name"] and candidate["entry_digest"]


def test_someone_else_passes(api, screening_validation):
    result = run_on_person(api, person(api, "Lucía", "Pech", "Canul"), screening_validation["id"], WAIT)
    assert result["status"] == 0 and result["content"]["candidates"] == []


def test_a_cleared_match_stops_failing_until_the_entry_changes(api, session_factory, screening_validation):
    person_id = person(api, "Juan Carlos", "Pérez", "Gómez")
    failed = run_on_person(api, person_id, screening_validation["id"], WAIT)
    assert failed["status"] == 1
    review = {"decision": "cleared", "reason": "Otra fecha de nacimiento y otra CURP"}
    reviewed = api.post(f"/validation-results/{failed['id']}/reviews", json=review)
    assert reviewed.status_code == 201, reviewed.text
    assert {r["decision"] for r in reviewed.json()["result"]} == {"cleared"}
    assert all(r["api_key_id"] for r in reviewed.json()["result"])
    assert api.get(f"/validation-results/{failed['id']}/reviews").json()["result"] == reviewed.json()["result"]
    history = api.get(f"/people/{person_id}/history?per_page=100").json()["result"]["data"]
    assert any(entry["resource_type"] == "screening_review" for entry in history)

    rerun = api.post(f"/validation-results/{failed['id']}/run", json={}, params={"force": "true"})
    assert rerun.status_code == 200, rerun.text
    passed = settled(api, failed["id"], WAIT)
    assert passed["status"] == 0 and [c["entry_id"] for c in passed["content"]["cleared"]] == ["UIF-1"]

    # The entry changes (a new alias): the clearance no longer covers it.
    load(session_factory, "uif-test", UIF.replace("Juan Charly Perez", "Juan Charly Perez|El Charro"))
    again = api.post(f"/validation-results/{failed['id']}/run", json={}, params={"force": "true"})
    assert again.status_code == 200
    assert settled(api, failed["id"], WAIT)["status"] == 1


def test_only_a_failed_screening_can_be_reviewed(api, screening_validation):
    passed = run_on_person(api, person(api, "Lucía", "Pech", "Canul"), screening_validation["id"], WAIT)
    response = api.post(f"/validation-results/{passed['id']}/reviews", json={"decision": "confirmed", "reason": "x"})
    assert response.status_code == 422 and response.json()["rules"] == {"id": ["review_not_applicable"]}
