"""The per-operation caches of personas.fastpath: applied on the pinned Connexion, and holding nothing
of one request that could leak into the next (parameters, bodies and errors stay per request).

The test command runs these tests once more with PERSONAS_FASTPATH=0: those about the fast path's own
parts are skipped then, the rest show the same answers without it."""

import itertools

import pytest
from connexion.apps.flask import FlaskOperation
from connexion.middleware.request_validation import RequestValidationMiddleware

from personas import fastpath
from personas.app import create_app
from personas.config import Settings
from tests.api.test_addresses import SEED_ADDRESS
from tests.conftest import make_key
from tests.support import person_body

on = pytest.mark.skipif(not Settings().fastpath, reason="PERSONAS_FASTPATH=0")


def test_connexion_is_the_version_the_fast_path_is_written_for():
    assert fastpath.pinned()


@on
def test_the_caches_and_the_bridge_are_in_place(app, api):
    assert api.get("/people").status_code == 200  # the app has started: its views are wrapped
    assert fastpath.applied(app) == [
        "request-validators",
        "route-index",
        "security-signatures",
        "inline-bridge",
        "direct-calls",
        "flask-operation-decorators",
    ]
    assert RequestValidationMiddleware not in app.middleware.middlewares
    assert not [view for view in app.app.view_functions.values() if isinstance(view, FlaskOperation)]


def test_each_request_gets_its_own_parameters_and_body_through_the_cached_chain(api):
    first, second = (api.post("/people", json=person_body(name=n)).json()["result"] for n in ("Ana", "Eva"))
    assert api.get(f"/people/{first['id']}").json()["result"]["name"] == "Ana"
    assert api.get(f"/people/{second['id']}").json()["result"]["name"] == "Eva"
    assert api.get("/people/not-a-uuid").status_code == 400
    assert api.get(f"/people/{second['id']}").status_code == 200


def test_validation_still_refuses_after_the_validators_are_cached(api):
    assert api.post("/people", json=person_body()).status_code == 201
    bad = api.post("/people", json=person_body() | {"gender": "X"})
    assert bad.status_code == 422 and "gender" in bad.json()["error"]
    assert api.get("/people?per_page=0").status_code == 400
    assert api.get("/people?per_page=5").status_code == 200
    assert api.post("/people", data=b"{not json", headers={"Content-Type": "application/json"}).status_code == 400


@pytest.fixture
def routes(monkeypatch):
    """Which way each request went through the bridge: (operation, inline?)."""
    seen = []
    decide = fastpath.InlineWSGI._inline

    def spy(self, scope):
        inline = decide(self, scope)
        seen.append((scope["extensions"]["connexion_routing"].get("operation_id", "").rsplit(".", 1)[-1], inline))
        return inline

    monkeypatch.setattr(fastpath.InlineWSGI, "_inline", spy)
    return seen


@on
def test_short_requests_run_inline_and_streams_and_big_bodies_on_the_thread_pool(app, api, routes, monkeypatch):
    person = api.post("/people", json=person_body()).json()["result"]
    assert api.get(f"/people/{person['id']}").json()["result"]["id"] == person["id"]
    export = api.post("/people/export", json={"start_date": "2000-01-01", "end_date": "2100-01-01"})
    assert export.status_code == 200 and person["national_id"] in export.text
    bridge = next(m for m in app.middleware.middleware_stack if isinstance(m, fastpath.InlineWSGI))
    monkeypatch.setattr(bridge, "body_limit", 100)  # a person's body is larger
    monkeypatch.setattr(fastpath.DirectOperation, "body_limit", 100)
    assert api.post("/people", json=person_body()).status_code == 201
    assert api.delete(f"/people/{person['id']}").status_code == 200
    # JSON operations are called directly (the first create, the get, the delete): the bridge sees the
    # export (marked threaded) and the create whose body is over the limit.
    assert routes == [("export_people", False), ("create_person", False)]


@on
def test_json_operations_are_called_directly_and_answer_as_through_flask(app, api, monkeypatch):
    people = [api.post("/people", json=person_body()).json()["result"] for _ in range(3)]
    first, taken = people[0]["id"], people[1]["national_id"]
    address = api.post("/addresses", json=SEED_ADDRESS | {"person_id": first}).json()["result"]
    unknown = "71266b80-f04b-4a2c-9314-963d3a182f2a"
    requests = [
        ("GET", f"/people/{first}", None),
        ("GET", "/people?per_page=2", None),
        ("GET", "/people?per_page=2&page=2", None),
        ("GET", "/people?per_page=1&per_page=2", None),  # the last of repeated names, as Connexion takes it
        ("GET", f"/people/{first}/history?per_page=1", None),
        ("GET", f"/addresses/{address['id']}", None),
        ("GET", "/catalogs/states", None),
        ("GET", f"/people/{unknown}", None),
        ("GET", "/people/not-a-uuid", None),
        ("POST", "/people/search/ids", {"ids": [first, unknown]}),
        ("POST", "/people", person_body(national_id=taken)),  # a CURP another person holds
        ("PUT", f"/people/{unknown}", person_body()),
        ("DELETE", f"/people/{unknown}", None),
        ("POST", "/people", {"name": "no CURP"}),  # refused by validation, before either way
    ]
    called = []
    call = fastpath.DirectOperation._call

    def spy(self, scope, body):
        called.append(self.operation.operation_id.rsplit(".", 1)[-1])
        return call(self, scope, body)

    def answers():
        seen = []
        for method, path, body in requests:
            response = api.call(method, path, json=body)
            headers = {k: v for k, v in response.headers.items() if k not in ("x-request-id", "date")}
            seen.append((method, path, response.status_code, headers, response.content))
        cursor_link = api.get("/people?per_page=2").json()["result"]["next_page_url"]
        seen.append(("next", api.get(cursor_link.split("/api/v1", 1)[1]).json()))
        return seen

    def created():  # after the lists were read: a new person would change them
        response = api.post("/people", json=person_body())
        return response.status_code, response.headers["content-type"], sorted(response.json()["result"])

    directly = fastpath.DirectOperation.__call__
    monkeypatch.setattr(fastpath.DirectOperation, "_call", spy)
    direct = answers()
    assert {"get_person", "list_people", "search_people_by_ids", "update_person", "delete_person"} <= set(called)
    monkeypatch.setattr(
        fastpath.DirectOperation, "__call__", lambda self, scope, receive, send: self.next_app(scope, receive, send)
    )
    called.clear()
    assert answers() == direct
    through_flask = created()
    assert called == []
    monkeypatch.setattr(fastpath.DirectOperation, "__call__", directly)
    direct_create = created()
    assert called == ["create_person"]
    assert direct_create == through_flask
    assert {status for _, _, status, *_ in direct[: len(requests)]} == {200, 400, 404, 422}
    assert direct[1][3]["content-type"] == "application/json"
    assert direct_create[0] == 201


def test_off_the_app_gets_connexion_as_shipped():
    assert fastpath.app_options(Settings(fastpath=False)) == {}


REFUSED = [
    ("GET", "/people?per_page=0", None),
    ("GET", "/people?colour=red", None),
    ("GET", "/people/not-a-uuid", None),
    ("GET", "/people/71266b80-f04b-4a2c-9314-963d3a182f2a", None),
    ("POST", "/people", {"national_id": 5512345678, "gender": "X", "colour": 1}),
    ("POST", "/people", {"national_id": "PESJ880212HDF!LX01", "name": "a"}),
    ("POST", "/people", person_body(national_id="PESJ880212HDFHLX09")),
]


def test_refusals_say_the_same_with_and_without_the_fast_path(tmp_path):
    answers = []
    for fast in (True, False):
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / f'fast-{fast}.sqlite3'}",
            secret_key="test-secret",
            local_outbox=str(tmp_path / "outbox"),
            storage_url=str(tmp_path / "files"),
            allowed_hosts=("testserver",),
            fastpath=fast,
        )
        app = create_app(settings)
        try:
            key, _ = make_key(app.container.session_factory)
            with app.test_client() as http:
                for (method, path, body), language in itertools.product(REFUSED, ("es", "en")):
                    headers = {"Authorization": f"Bearer {key}", "Accept-Language": language}
                    response = http.request(method, f"/api/v1{path}", json=body, headers=headers)
                    answers.append((response.status_code, response.headers["content-language"], response.json()))
        finally:
            app.container.close()
    with_it, without = answers[: len(answers) // 2], answers[len(answers) // 2 :]
    assert with_it == without
    assert {status for status, _, _ in with_it} == {400, 404, 422}
    assert [language for _, language, _ in with_it] == ["es", "en"] * len(REFUSED)
    assert with_it[0][2]["error"] != with_it[1][2]["error"]  # each in its own language
