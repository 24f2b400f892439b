"""System catalogs: loaded by migrations with the ids of API-MAP.md, served read-only."""


def test_state_7_is_ciudad_de_mexico_with_code_df(api):
    states = api.get("/catalogs/states").json()["result"]
    assert states[6] == {
        "id": 7,
        "code": "DF",
        "name": "Ciudad de México",
        "country": "México",
        "created_at": None,
        "updated_at": None,
    }
    assert len(states) == 33 and states[-1]["code"] == "NE"


def test_nationality_144_is_mexican(api):
    nationalities = api.get("/catalogs/nationalities").json()["result"]
    mex = next(n for n in nationalities if n["id"] == 144)
    assert (mex["code"], mex["name"], mex["country"]) == ("MEX", "Mexican", "Mexico")


def test_marital_status_1_is_soltero_and_relation_1_is_hermano(api):
    assert api.get("/catalogs/marital-statuses").json()["result"][0]["code"] == "soltero"
    assert api.get("/catalogs/person-relations").json()["result"][0]["code"] == "hermano"


def test_catalogs_cannot_be_written(api):
    assert api.post("/catalogs/states", json={}).status_code == 405
