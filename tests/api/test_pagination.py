"""Lists walk by cursor (keyset) through next_page_url; page numbers still work; bad cursors are a 400."""

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from personas.persistence.repositories.paging import InvalidCursor
from tests.api.test_addresses import add
from tests.support import person_body

INVALID_CURSOR = {"success": False, "code": 400, "error": InvalidCursor.MESSAGE.es}


def token(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


def relative(url: str) -> str:
    """The path and query of a paginator URL, as the test client wants it (below /api/v1)."""
    parts = urlsplit(url)
    return parts.path.removeprefix("/api/v1") + "?" + parts.query


def walk(api, first: str) -> list[dict]:
    """Every page of a list, following next_page_url from `first`."""
    pages, url = [], first
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.json()
        pages.append(response.json()["result"])
        url = pages[-1]["next_page_url"] and relative(pages[-1]["next_page_url"])
    return pages


def new_group(api) -> str:
    body = {"name": "Paginación", "description": "Personas para recorrer páginas"}
    return api.post("/people-groups", json=body).json()["result"]["id"]


def new_people(api, group_id: str, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        response = api.post("/people", json=person_body(people_group_id=group_id))
        assert response.status_code == 201, response.json()
        ids.append(response.json()["result"]["id"])
    return ids


def test_walking_people_through_next_page_url_returns_everyone_once_newest_first(api):
    group = new_group(api)
    created = new_people(api, group, 7)
    pages = walk(api, f"/people?people_group_id={group}&per_page=3")
    assert [p["id"] for page in pages for p in page["data"]] == created[::-1]
    assert [(page["current_page"], page["from"], page["to"]) for page in pages] == [(1, 1, 3), (2, 4, 6), (3, 7, 7)]
    assert all(page["per_page"] == 3 for page in pages)
    for page in pages[:-1]:
        query = parse_qs(urlsplit(page["next_page_url"]).query)
        assert query["page"] == [str(page["current_page"] + 1)]
        assert query["people_group_id"] == [group] and query["per_page"] == ["3"]
        assert len(query["cursor"]) == 1
    assert pages[-1]["next_page_url"] is None
    assert pages[0]["prev_page_url"] is None
    # The way back carries a cursor too, and the page number it will be shown as.
    back = parse_qs(urlsplit(pages[2]["prev_page_url"]).query)
    assert back["page"] == ["2"] and len(back["cursor"]) == 1


def walk_back(api, last: dict) -> list[dict]:
    """Every page before `last`, following prev_page_url, nearest first."""
    pages, url = [], last["prev_page_url"] and relative(last["prev_page_url"])
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.json()
        pages.append(response.json()["result"])
        url = pages[-1]["prev_page_url"] and relative(pages[-1]["prev_page_url"])
    return pages


def test_walking_back_through_prev_page_url_gives_the_same_pages_in_reverse(api):
    group = new_group(api)
    new_people(api, group, 7)
    forward = walk(api, f"/people?people_group_id={group}&per_page=3")
    backward = walk_back(api, forward[-1])
    assert [page["data"] for page in backward] == [page["data"] for page in forward[:-1]][::-1]
    assert [(page["current_page"], page["from"], page["to"]) for page in backward] == [(2, 4, 6), (1, 1, 3)]
    # Each page reached backwards leads forward again by cursor, to the page it was reached from.
    ahead = api.get(relative(backward[-1]["next_page_url"])).json()["result"]
    assert ahead["data"] == forward[1]["data"]
    assert "cursor" in parse_qs(urlsplit(backward[-1]["next_page_url"]).query)


def test_people_created_between_requests_do_not_shift_a_walk_back(api):
    group = new_group(api)
    created = new_people(api, group, 6)
    second = api.get(f"/people?people_group_id={group}&per_page=3&page=2").json()["result"]
    new_people(api, group, 2)  # newest first: by number, page 1 would now start with these two
    first = api.get(relative(second["prev_page_url"])).json()["result"]
    assert [p["id"] for p in first["data"]] == created[::-1][:3]
    assert (first["current_page"], first["from"], first["to"]) == (1, 1, 3)
    # The newcomers are before it, and the way back says so.
    newer = api.get(relative(first["prev_page_url"])).json()["result"]
    assert len(newer["data"]) == 2 and newer["prev_page_url"] is None


def test_past_the_end_prev_page_url_is_the_last_page(api):
    group = new_group(api)
    created = new_people(api, group, 5)
    beyond = api.get(f"/people?people_group_id={group}&per_page=2&page=100000").json()["result"]
    assert beyond["data"] == [] and beyond["next_page_url"] is None
    back = parse_qs(urlsplit(beyond["prev_page_url"]).query)
    assert back["page"] == ["3"] and "cursor" not in back and back["people_group_id"] == [group]
    last = api.get(relative(beyond["prev_page_url"])).json()["result"]
    assert [p["id"] for p in last["data"]] == created[::-1][4:]
    empty_group = api.get(f"/people?people_group_id={new_group(api)}&page=7").json()["result"]
    assert parse_qs(urlsplit(empty_group["prev_page_url"]).query)["page"] == ["1"]


def test_a_backward_cursor_is_refused_by_a_list_ordered_otherwise(api):
    group = new_group(api)
    new_people(api, group, 3)
    second = api.get(f"/people?people_group_id={group}&per_page=1&page=2").json()["result"]
    cursor = parse_qs(urlsplit(second["prev_page_url"]).query)["cursor"][0]
    assert api.get(f"/people?cursor={cursor}").status_code == 200
    response = api.get(f"/dynamic-values?cursor={cursor}")
    assert response.status_code == 400 and response.json()["code"] == 400


def test_people_created_between_requests_do_not_shift_a_cursor_walk(api):
    group = new_group(api)
    created = new_people(api, group, 6)
    first = api.get(f"/people?people_group_id={group}&per_page=3").json()["result"]
    newcomers = new_people(api, group, 2)
    second = api.get(relative(first["next_page_url"])).json()["result"]
    assert [p["id"] for p in second["data"]] == created[::-1][3:6]
    assert (second["current_page"], second["from"], second["to"]) == (2, 4, 6)
    # By page number the same page has moved by the two newcomers.
    by_number = api.get(f"/people?people_group_id={group}&per_page=3&page=2").json()["result"]
    assert [p["id"] for p in by_number["data"]] == (created + newcomers)[::-1][3:6]


def test_a_page_number_without_cursor_still_gives_that_page(api):
    group = new_group(api)
    created = new_people(api, group, 5)
    result = api.get(f"/people?people_group_id={group}&per_page=2&page=2").json()["result"]
    assert [p["id"] for p in result["data"]] == created[::-1][2:4]
    assert (result["current_page"], result["from"], result["to"]) == (2, 3, 4)
    assert "cursor=" in result["next_page_url"] and "page=3" in result["next_page_url"]
    last = api.get(relative(result["next_page_url"])).json()["result"]
    assert [p["id"] for p in last["data"]] == created[::-1][4:]
    assert last["next_page_url"] is None
    beyond = api.get(f"/people?people_group_id={group}&per_page=2&page=4").json()["result"]
    assert beyond["data"] == [] and beyond["from"] is None and beyond["next_page_url"] is None


def test_walking_a_persons_addresses_returns_each_once_newest_first(api):
    person = api.post("/people", json=person_body()).json()["result"]["id"]
    created = [add(api, person, street=f"Calle {n}")["id"] for n in range(5)]
    pages = walk(api, f"/addresses?person_id={person}&per_page=2")
    assert [a["id"] for page in pages for a in page["data"]] == created[::-1]
    assert [(page["current_page"], page["from"], page["to"]) for page in pages] == [(1, 1, 2), (2, 3, 4), (3, 5, 5)]


@pytest.mark.parametrize(
    "cursor",
    [
        "AAAA",  # base64 of three zero bytes: not JSON
        token({"created_at": "2026-01-01T00:00:00", "id": "x"}),  # not a list
        token(["2026-01-01T00:00:00"]),  # one key where the list has two
        token(["2026-01-01T00:00:00", "x", 3]),  # three
        token([1, "x"]),  # a number where a time belongs
        token(["yesterday", "x"]),
        token(["2026-01-01T00:00:00+05:00", "x"]),  # times are naive UTC
        token(["2026-01-01T00:00:00", 7]),
        token(["2026-01-01T00:00:00", "x" * 37]),  # longer than any id
        token(["2026-01-01T00:00:00", "x"]) + "A",  # a valid cursor with a byte too many
        token({"before": ["2026-01-01T00:00:00"]}),  # a backward cursor of one key where the list has two
        token({"before": ["2026-01-01T00:00:00", "x"], "after": 1}),
        token({"after": ["2026-01-01T00:00:00", "x"]}),
    ],
)
def test_a_malformed_or_tampered_cursor_is_a_400(api, cursor):
    response = api.get(f"/people?cursor={cursor}")
    assert response.status_code == 400
    assert response.json() == INVALID_CURSOR


def test_a_cursor_of_people_is_refused_by_a_list_ordered_otherwise(api):
    new_people(api, new_group(api), 2)
    cursor = parse_qs(urlsplit(api.get("/people?per_page=1").json()["result"]["next_page_url"]).query)["cursor"][0]
    # Dynamic values go by (created_at, version, id): a cursor of two keys is not one of theirs.
    response = api.get(f"/dynamic-values?cursor={cursor}")
    assert response.status_code == 400
    assert response.json() == INVALID_CURSOR


@pytest.mark.parametrize("cursor", ["no spaces allowed", "a" * 201, "pad=", "abc"])
def test_a_cursor_outside_the_spec_is_refused_before_the_handler(api, cursor):
    response = api.get("/people", params={"cursor": cursor})
    body = response.json()
    assert response.status_code == 400
    assert body["success"] is False and body["code"] == 400


def test_a_list_oldest_first_walks_by_cursor_the_same_as_by_page_number(api):
    made = [api.post("/custom-catalogs", json={"name": f"Catálogo {n}", "description": "x"}) for n in range(3)]
    assert all(r.status_code == 201 for r in made)
    walked = [c["id"] for page in walk(api, "/custom-catalogs?per_page=2") for c in page["data"]]
    numbered, number = [], 1
    while True:
        page = api.get(f"/custom-catalogs?per_page=2&page={number}").json()["result"]
        if not page["data"]:
            break
        numbered += [c["id"] for c in page["data"]]
        number += 1
    assert walked == numbered and len(set(walked)) == len(walked)
    # Oldest first: the three come last, in the order they were made.
    assert walked[-3:] == [r.json()["result"]["id"] for r in made]
