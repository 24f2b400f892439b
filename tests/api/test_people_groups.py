"""People groups, and what happens to their people when a group goes."""

from tests.support import person_body

SEED_GROUP = {"name": "Deudores", "description": "Grupo donde entran las personas con deuda pendiente de pagar"}


def test_the_seed_example_creates_a_group_that_can_be_read_back(api):
    created = api.post("/people-groups", json=SEED_GROUP)
    assert created.status_code == 201
    group = created.json()["result"]
    assert group["name"] == "Deudores" and group["created_at"].endswith("Z")
    assert api.get(f"/people-groups/{group['id']}").json()["result"] == group


def test_a_group_update_is_partial(api):
    group = api.post("/people-groups", json=SEED_GROUP).json()["result"]
    updated = api.put(f"/people-groups/{group['id']}", json={"name": "Morosos"}).json()["result"]
    assert updated["name"] == "Morosos" and updated["description"] == SEED_GROUP["description"]


def test_a_group_without_its_required_fields_is_a_422_with_the_field_map(api):
    response = api.post("/people-groups", json={"name": "Solo nombre"})
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"description": ["Campo requerido"]},
    }


def test_deleting_a_group_keeps_its_people_without_a_group(api):
    group = api.post("/people-groups", json=SEED_GROUP).json()["result"]
    person = api.post("/people", json=person_body(people_group_id=group["id"])).json()["result"]
    assert person["people_group_id"] == group["id"]
    assert api.delete(f"/people-groups/{group['id']}").status_code == 200
    assert api.get(f"/people-groups/{group['id']}").status_code == 404
    assert api.get(f"/people/{person['id']}").json()["result"]["people_group_id"] is None


def test_people_can_be_listed_by_group(api):
    group = api.post("/people-groups", json=SEED_GROUP).json()["result"]
    person = api.post("/people", json=person_body(people_group_id=group["id"])).json()["result"]
    listed = api.get(f"/people?people_group_id={group['id']}").json()["result"]["data"]
    assert [p["id"] for p in listed] == [person["id"]]


def test_groups_are_listed_newest_first(api):
    group = api.post("/people-groups", json=SEED_GROUP).json()["result"]
    assert api.get("/people-groups").json()["result"]["data"][0]["id"] == group["id"]
