"""POST /people/export: a streamed UTF-8 CSV of the people created between two days."""

import csv
import io
from datetime import datetime

import pytest
from sqlalchemy import update

from personas.domain import people_export
from personas.persistence.models.people import Person
from tests.support import new_curp, writing

DAY = "2031-03-14"  # a day no other test creates people on: they are moved there


def person_on(api, session_factory, when: datetime, **fields) -> dict:
    body = {"national_id": new_curp(), "name": "Ñandú", "first_lastname": "Pérez", "second_lastname": "Güemes"}
    created = api.post("/people", json=body | fields).json()["result"]
    with writing(session_factory) as session:
        session.execute(update(Person).where(Person.id == created["id"]).values(created_at=when))
        session.commit()
    return created


def export(api, **body):
    return api.post("/people/export", json={"start_date": DAY, "end_date": DAY} | body)


def parse(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


@pytest.fixture(scope="module")
def people_of_the_day(api, session_factory):
    first = person_on(api, session_factory, datetime(2031, 3, 14, 0, 0, 0))
    last = person_on(api, session_factory, datetime(2031, 3, 14, 23, 59, 59), external_ref_id="ext-1")
    person_on(api, session_factory, datetime(2031, 3, 13, 23, 59, 59))  # the day before
    person_on(api, session_factory, datetime(2031, 3, 15, 0, 0, 0))  # the day after
    address = {"street": "Calzada de Tlalpan", "ext_num": "5", "state": "DF", "municipality": "Coyoacán"}
    address |= {"colony": "Niños Héroes", "zip_code": "04000", "references": "Junto al árbol"}
    assert api.post("/addresses", json=address | {"person_id": last["id"]}).status_code == 201
    contact = {"person_id": last["id"], "email": "ñu@example.com", "phone": "5591038054"}
    assert api.post("/contact-data", json=contact).status_code == 201
    return first, last


def test_the_export_is_a_utf8_csv_with_a_header_of_every_column(api, people_of_the_day):
    response = export(api)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.splitlines()[0] == ",".join(people_export.header(True, True))
    first, last = people_of_the_day
    rows = parse(response)
    assert [r["id"] for r in rows] == [first["id"], last["id"]]
    assert (rows[0]["name"], rows[0]["first_lastname"], rows[0]["second_lastname"]) == ("Ñandú", "Pérez", "Güemes")
    assert rows[0]["address_street"] == "" and rows[0]["contact_email"] == ""
    assert rows[1]["created_at"] == "2031-03-14T23:59:59Z" and rows[1]["external_ref_id"] == "ext-1"
    assert (rows[1]["address_colony"], rows[1]["address_municipality"]) == ("Niños Héroes", "Coyoacán")
    assert (rows[1]["address_state"], rows[1]["address_zip_code"]) == ("DF", "04000")
    # A leading + is a formula to a spreadsheet program: the phone is written as text.
    assert (rows[1]["contact_email"], rows[1]["contact_phone"]) == ("ñu@example.com", "'+525591038054")


def test_excluded_sections_leave_their_columns_out(api, people_of_the_day):
    rows = parse(export(api, exclude=["address"]))
    assert list(rows[0]) == list(people_export.EXPORT_PERSON_COLUMNS) + ["contact_email", "contact_phone"]
    rows = parse(export(api, exclude=["address", "contact"]))
    assert list(rows[0]) == list(people_export.EXPORT_PERSON_COLUMNS)
    assert len(rows) == 2


def test_the_range_includes_both_days_and_nothing_outside(api, people_of_the_day):
    assert len(parse(export(api, start_date="2031-03-13", end_date="2031-03-15"))) == 4
    assert len(parse(export(api, start_date="2031-03-15", end_date="2031-03-15"))) == 1
    empty = export(api, start_date="2031-04-01", end_date="2031-04-02")
    assert empty.content.decode("utf-8") == ",".join(people_export.header(True, True)) + "\r\n"


def exported_ids(api, **body) -> list[str]:
    response = api.post("/people/export", json=body | {"exclude": ["address", "contact"]})
    assert response.status_code == 200, response.text
    return [row["id"] for row in parse(response)]


def test_without_dates_everyone_living_is_exported_as_the_seed_allows(api, session_factory, people_of_the_day):
    body = {"national_id": new_curp(), "name": "Ana", "first_lastname": "Ruiz", "second_lastname": "Paz"}
    today = api.post("/people", json=body).json()["result"]["id"]
    gone = person_on(api, session_factory, datetime(2031, 3, 14, 12, 0, 0))
    assert api.delete(f"/people/{gone['id']}").status_code == 200
    ids = exported_ids(api)
    assert today in ids and gone["id"] not in ids and len(ids) == len(set(ids))
    assert {person["id"] for person in people_of_the_day} <= set(ids)
    # One date alone leaves the other side open.
    since = exported_ids(api, start_date="2031-03-15")
    assert since and today not in since and not {person["id"] for person in people_of_the_day} & set(since)
    until = exported_ids(api, end_date="2031-03-13")
    assert today in until and not {person["id"] for person in people_of_the_day} & set(until)


def test_an_end_before_the_start_is_422(api):
    response = export(api, start_date="2031-03-15", end_date="2031-03-14")
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"end_date": [people_export.END_BEFORE_START.es]},
        "rules": {"end_date": ["end_before_start"]},
    }


def test_a_deleted_person_is_not_exported(api, session_factory):
    gone = person_on(api, session_factory, datetime(2031, 5, 1, 12, 0, 0))
    assert api.delete(f"/people/{gone['id']}").status_code == 200
    assert parse(export(api, start_date="2031-05-01", end_date="2031-05-01")) == []


def test_an_exported_file_imports_again_as_existing_people(api, people_of_the_day):
    content = export(api).content
    response = api.post("/people/import", files={"file": ("people.csv", content, "text/csv")})
    summary = response.json()["summary"]
    assert (summary["created"], summary["existing"], summary["failed"]) == (0, 2, 0)


def test_an_exported_cell_that_starts_like_a_formula_is_neutralised_and_imports_back(api, session_factory):
    person = person_on(api, session_factory, datetime(2031, 6, 1, 12, 0, 0), external_ref_id="=HYPERLINK(1)")
    contact = {"person_id": person["id"], "email": "ana@example.com", "phone": "5591038054"}
    assert api.post("/contact-data", json=contact).status_code == 201
    response = export(api, start_date="2031-06-01", end_date="2031-06-01")
    [row] = parse(response)
    assert row["external_ref_id"] == "'=HYPERLINK(1)" and row["contact_phone"] == "'+525591038054"
    again = api.post("/people/import", files={"file": ("people.csv", response.content, "text/csv")}).json()
    assert (again["summary"]["existing"], again["summary"]["failed"]) == (1, 0)
