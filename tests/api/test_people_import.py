"""POST /people/import: CSV and XLSX files, good, bad and existing rows, batches and crashes."""

import io
import os
import subprocess
import sys
import time
from datetime import date

from openpyxl import Workbook
from sqlalchemy import func, select

import personas.handlers.people_io  # noqa: F401  (binds the submodule on its package)
from personas import handlers
from personas.domain import people_import
from personas.persistence.models.events import OutboxEvent
from personas.persistence.models.history import HistoryEntry
from personas.persistence.models.people import Person
from personas.persistence.repositories.people import PeopleRepository
from tests.support import new_curp

HEADER = ["national_id", "name", "first_lastname", "second_lastname", "gender"]


def csv_bytes(rows, header=HEADER) -> bytes:
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def xlsx_bytes(rows, header=HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def send(api, content: bytes, name="people.csv"):
    return api.post("/people/import", files={"file": (name, content, "application/octet-stream")})


def report(response) -> dict:
    """The answer read as one report: `summary`'s counts, and the failed rows (the seed's `result` list)
    under `rows`."""
    body = response.json()
    assert body["success"] is True and isinstance(body["result"], list), body
    return body["summary"] | {"rows": body["result"]}


def count(session_factory, model, **where) -> int:
    with session_factory() as session:
        stmt = select(func.count()).select_from(model)
        for field, value in where.items():
            stmt = stmt.where(getattr(model, field) == value)
        return session.scalar(stmt)


def test_a_csv_stores_good_rows_and_reports_bad_ones_with_their_row_number(api, session_factory):
    good, bad_curp = new_curp(), "XXXX000000XXXXXX00"
    rows = [[good, "José", "Núñez", "Peña", "MALE"], [bad_curp, "Ana", "Ruiz", "Paz", ""], ["", "B", "C", "D", "X"]]
    response = send(api, csv_bytes(rows))
    assert response.status_code == 200
    result = report(response)
    assert (result["created"], result["existing"], result["failed"]) == (1, 0, 2)
    assert [(r["row"], r["status"]) for r in result["rows"]] == [(3, "failed"), (4, "failed")]
    assert set(result["rows"][0]["errors"]) == {"national_id"}
    assert result["rows"][1]["errors"] == {
        "national_id": ["Campo requerido / Required field"],
        "gender": ["Debe ser MALE o FEMALE / Must be MALE or FEMALE"],
    }
    person = api.get(f"/people/national-id/{good}").json()["result"]
    assert (person["name"], person["first_lastname"], person["second_lastname"]) == ("José", "Núñez", "Peña")


def test_the_result_is_the_list_of_failed_rows_as_the_seed_has_it_and_the_counts_go_beside_it(api):
    good, bad = new_curp(), "XXXX000000XXXXXX00"
    response = send(api, csv_bytes([[good, "José", "Núñez", "Peña", "MALE"]]))
    assert response.json() == {
        "success": True,
        "result": [],  # the seed's sample: nothing failed
        "summary": {"created": 1, "existing": 0, "failed": 0, "failed_rows_omitted": 0},
    }
    body = send(api, csv_bytes([[good, "José", "Núñez", "Peña", "MALE"], [bad, "A", "B", "C", ""]])).json()
    assert [(r["row"], r["status"]) for r in body["result"]] == [(3, "failed")]
    assert body["summary"] == {"created": 0, "existing": 1, "failed": 1, "failed_rows_omitted": 0}


def test_an_xlsx_file_is_imported_like_a_csv(api):
    good, taken = new_curp(sex="M"), new_curp()  # a woman's CURP: the gender column must agree with it
    body = {"national_id": taken, "name": "A", "first_lastname": "B", "second_lastname": "C"}
    assert api.post("/people", json=body).status_code == 201
    rows = [(good, "Luz", "Mar", "Sol", "FEMALE"), (taken, "A", "B", "C", None), (new_curp(), "A", "B", "C", "OTHER")]
    result = report(send(api, xlsx_bytes(rows), "people.xlsx"))
    assert (result["created"], result["existing"], result["failed"]) == (1, 1, 1)
    [failed] = result["rows"]  # only failed rows are listed; the existing one is counted
    assert failed["row"] == 4 and failed["errors"] == {"gender": [people_import.BAD_GENDER]}
    assert api.get(f"/people/national-id/{good}").json()["result"]["gender"] == "FEMALE"


def test_sending_the_same_file_twice_stores_nothing_twice(api, session_factory):
    curps = [new_curp() for _ in range(3)]
    content = csv_bytes([[c, "N", "P", "M", ""] for c in curps] + [[curps[0], "Dup", "P", "M", ""]])
    first = report(send(api, content))
    assert (first["created"], first["existing"], first["failed"]) == (3, 1, 0)  # the repeated row in the file too
    second = report(send(api, content))
    assert (second["created"], second["existing"], second["failed"]) == (0, 4, 0)
    assert second["rows"] == [] and second["failed_rows_omitted"] == 0
    for curp in curps:
        assert count(session_factory, Person, national_id=curp) == 1


def test_address_and_contact_columns_create_those_records(api, session_factory):
    header = HEADER + [*people_import.ADDRESS_COLUMNS, *people_import.CONTACT_COLUMNS]
    curp, bad = new_curp(), new_curp()
    address = ["Av. Juárez", "12", "", "Centro", "Cuauhtémoc", "Ciudad de México", "Ciudad de México", "06000"]
    rows = [
        [curp, "Ana", "Díaz", "Gómez", "", *address, "ana@example.com", "5591038054"],
        [bad, "Eva", "Díaz", "Gómez", "", *address[:6], "Atlántida", "6000", "no-email", ""],
    ]
    result = report(send(api, csv_bytes(rows, header)))
    assert (result["created"], result["failed"]) == (1, 1)
    assert result["rows"][0]["errors"] == {
        "address_zip_code": ["Formato inválido / Invalid format"],
        "contact_phone": ["Campo requerido / Required field"],
    }
    person = api.get(f"/people/national-id/{curp}").json()["result"]
    [stored] = person["addresses"]
    assert (stored["street"], stored["state"], stored["state_id"], stored["zip_code"]) == (
        "Av. Juárez",
        "DF",
        7,
        "06000",
    )
    [contact] = person["contact_data"]
    assert (contact["email"], contact["phone"]) == ("ana@example.com", "+525591038054")
    assert api.get(f"/people/national-id/{bad}").status_code == 404


def test_an_unknown_state_fails_the_row_and_stores_no_part_of_it(api, session_factory):
    header = HEADER + list(people_import.ADDRESS_COLUMNS)
    curp = new_curp()
    row = [curp, "A", "B", "C", "", "Calle", "1", "", "Col", "Mun", "", "Atlántida", "06000"]
    result = report(send(api, csv_bytes([row], header)))
    assert result["rows"][0]["errors"] == {
        "address_state": ["No existe el estado: Atlántida / Unknown state: Atlántida"]
    }
    assert count(session_factory, Person, national_id=curp) == 0


def test_a_crash_keeps_the_committed_batches_and_a_rerun_completes_without_duplicates(
    api, session_factory, monkeypatch
):
    curps = [new_curp() for _ in range(7)]
    content = csv_bytes([[c, "N", "P", "M", ""] for c in curps])
    monkeypatch.setattr(handlers.people_io, "BATCH_SIZE", 3)
    real_store, calls = people_import._store_batch, []

    def failing_store(uow, batch):
        calls.append([number for number, _cells in batch])
        outcomes = real_store(uow, batch)  # the second batch is stored, then the crash comes
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return outcomes

    monkeypatch.setattr(people_import, "_store_batch", failing_store)
    assert send(api, content).status_code == 500
    stored = [count(session_factory, Person, national_id=c) for c in curps]
    assert stored == [1, 1, 1, 0, 0, 0, 0]  # the first batch of three was committed, the second rolled back
    assert calls == [[2, 3, 4], [5, 6, 7]]
    monkeypatch.setattr(people_import, "_store_batch", real_store)
    result = report(send(api, content))
    assert (result["created"], result["existing"], result["failed"]) == (4, 3, 0)
    assert [count(session_factory, Person, national_id=c) for c in curps] == [1] * 7


def test_a_national_id_taken_by_another_writer_after_the_check_sends_the_batch_row_by_row(
    api, session_factory, monkeypatch
):
    taken, others = new_curp(), [new_curp() for _ in range(2)]
    body = {"national_id": taken, "name": "A", "first_lastname": "B", "second_lastname": "C"}
    assert api.post("/people", json=body).status_code == 201
    # The batch's lookup misses it, as if it had been stored between the lookup and the insert.
    monkeypatch.setattr(PeopleRepository, "taken_national_ids", lambda self, nids: {})
    result = send(
        api, csv_bytes([[others[0], "N", "P", "M", ""], [taken, "N", "P", "M", ""], [others[1], "N", "P", "M", ""]])
    )
    assert result.status_code == 200, result.text
    result = report(result)
    assert (result["created"], result["existing"], result["failed"]) == (2, 1, 0)
    assert result["rows"] == []
    for curp in [taken, *others]:
        assert count(session_factory, Person, national_id=curp) == 1


def test_every_created_person_has_its_history_and_its_person_register_event(api, session_factory):
    curps = [new_curp() for _ in range(4)]
    content = csv_bytes([[c, "N", "P", "M", ""] for c in curps] + [[curps[1], "Dup", "P", "M", ""]])
    result = report(send(api, content))
    assert (result["created"], result["existing"]) == (4, 1)
    with session_factory() as session:
        ids = session.scalars(select(Person.id).where(Person.national_id.in_(curps))).all()
        assert len(ids) == 4
        created = session.scalars(
            select(HistoryEntry.resource_id).where(HistoryEntry.resource_id.in_(ids), HistoryEntry.action == "create")
        ).all()
        events = session.scalars(
            select(OutboxEvent.resource_id).where(
                OutboxEvent.resource_id.in_(ids), OutboxEvent.name == "person_register"
            )
        ).all()
    assert sorted(created) == sorted(ids) and sorted(events) == sorted(ids)


def test_an_imported_person_has_the_history_and_event_a_person_created_by_post_has(api, session_factory):
    posted, imported = new_curp(date(1988, 2, 12)), new_curp(date(1988, 2, 12))
    body = {"national_id": posted, "name": "José", "first_lastname": "Núñez", "second_lastname": "Peña"}
    posted_id = api.post("/people", json=body).json()["result"]["id"]
    result = report(send(api, csv_bytes([[imported, "José", "Núñez", "Peña", ""]])))
    assert result["created"] == 1
    imported_id = api.get(f"/people/national-id/{imported}").json()["result"]["id"]

    def written(person_id):
        with session_factory() as session:
            [entry] = session.scalars(select(HistoryEntry).where(HistoryEntry.resource_id == person_id)).all()
            [event] = session.scalars(select(OutboxEvent).where(OutboxEvent.resource_id == person_id)).all()
            return entry, event

    with session_factory() as session:  # columns the row does not set are SQL NULL, not JSON null
        unset = (
            Person.extra_data.is_(None),
            Person.biometrics_summary.is_(None),
            Person.addresses_similarity.is_(None),
        )
        both = Person.id.in_([posted_id, imported_id])
        assert session.scalar(select(func.count()).select_from(Person).where(both, *unset)) == 2
    (entry, event), (want_entry, want_event) = written(imported_id), written(posted_id)
    assert (entry.action, entry.resource_type, entry.person_id) == ("create", "person", imported_id)
    assert entry.api_key_id == want_entry.api_key_id is not None  # who imported is recorded, as for POST
    different = {"id", "national_id"}  # the two people differ only in these (same birth date and state)
    assert {k: v for k, v in entry.new_value.items() if k not in different} == {
        k: v for k, v in want_entry.new_value.items() if k not in different
    }
    assert (event.name, event.resource_name) == ("person_register", "person")
    # Written pending; the app's relay may already have handed it on by the time it is read here.
    assert event.state in ("pending", "dispatched")
    different |= {"created_at", "updated_at"}
    assert {k: v for k, v in event.payload.items() if k not in different} == {
        k: v for k, v in want_event.payload.items() if k not in different
    }


def test_a_file_with_unknown_or_missing_columns_is_refused_whole(api):
    response = send(api, csv_bytes([["x", "y"]], ["national_id", "shoe_size"]))
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"file": ["Columnas desconocidas: shoe_size"]},
        "rules": {"file": ["import_columns"]},
    }
    response = send(api, csv_bytes([["x"]], ["national_id"]))
    assert response.json()["error"] == {"file": ["Faltan columnas: name, first_lastname, second_lastname"]}


def test_a_file_that_is_neither_utf8_csv_nor_xlsx_is_422(api):
    assert send(api, "national_id,name\r\nÑ,é".encode("latin-1")).json()["error"] == {
        "file": [people_import.NOT_A_FILE.es]
    }
    assert send(api, b"PK\x03\x04garbage", "x.xlsx").json()["error"] == {"file": [people_import.NOT_A_FILE.es]}


def test_one_of_a_file_or_a_temporary_file_id_is_needed_and_an_unknown_id_is_422(api):
    response = api.post("/people/import", files={"tmp_file_id": (None, "nope")})
    assert response.status_code == 422
    assert response.json()["error"] == {"tmp_file_id": [handlers.people_io.UNKNOWN_TMP_FILE.es]}
    both = {"file": ("a.csv", csv_bytes([]), "text/csv"), "tmp_file_id": (None, "x")}
    response = api.post("/people/import", files=both)
    assert response.status_code == 422 and response.json()["error"] == {"file": [handlers.people_io.ONE_SOURCE.es]}


def test_a_temporary_file_is_imported_and_kept_for_a_rerun(api):
    curp = new_curp()
    content = csv_bytes([[curp, "Tomás", "Ávila", "Ruiz", ""]])
    uploaded = api.post("/temporary-files", files={"file": ("people.csv", content, "text/csv")})
    assert uploaded.status_code == 201, uploaded.text
    tmp_id = uploaded.json()["result"]["id"]
    first = report(api.post("/people/import", files={"tmp_file_id": (None, tmp_id)}))
    assert (first["created"], first["existing"]) == (1, 0)
    again = report(api.post("/people/import", files={"tmp_file_id": (None, tmp_id)}))
    assert (again["created"], again["existing"]) == (0, 1)
    assert api.get(f"/people/national-id/{curp}").json()["result"]["first_lastname"] == "Ávila"


def test_the_answer_lists_the_first_failed_rows_and_counts_the_others(api, monkeypatch):
    monkeypatch.setattr(people_import, "LISTED_FAILURES", 3)
    good = new_curp()
    rows = [["BAD", "N", "P", "M", ""]] * 5 + [[good, "N", "P", "M", ""], ["X" * 500, "N", "P", "M", ""]]
    result = report(send(api, csv_bytes(rows)))
    assert (result["created"], result["existing"], result["failed"]) == (1, 0, 6)
    assert [r["row"] for r in result["rows"]] == [2, 3, 4]
    assert result["failed_rows_omitted"] == 3


def test_a_long_bad_national_id_is_echoed_only_in_part(api):
    [row] = report(send(api, csv_bytes([["Z" * 5000, "N", "P", "M", ""]])))["rows"]
    assert row["national_id"] == "Z" * people_import.ECHOED_NATIONAL_ID


def test_a_csv_field_beyond_the_csv_module_limit_is_422_not_500(api):
    response = send(api, csv_bytes([["A", "x" * 200_000, "P", "M", ""]]))
    assert response.status_code == 422
    assert response.json()["error"] == {"file": [people_import.NOT_A_FILE.es]}


def test_cells_the_export_neutralised_are_imported_without_the_apostrophe(api):
    curp = new_curp()
    result = report(send(api, csv_bytes([[curp, "'=Ana", "'-Pérez", "'@Ruiz", ""]])))
    assert result["created"] == 1
    person = api.get(f"/people/national-id/{curp}").json()["result"]
    assert (person["name"], person["first_lastname"], person["second_lastname"]) == ("=Ana", "-Pérez", "@Ruiz")


def _settled(api, person_id: str, validation_id: str, timeout: float = 60.0) -> list[int]:
    """The statuses of the validation's results on the person, once none is pending (3)."""
    deadline = time.monotonic() + timeout
    while True:
        query = f"/validation-results?model_id={person_id}&validation_id={validation_id}"
        statuses = [r["status"] for r in api.get(query).json()["result"]["data"]]
        if 3 not in statuses or time.monotonic() > deadline:
            return statuses
        time.sleep(0.05)


def test_the_cli_import_starts_the_automatic_validations_the_http_import_starts(api, database_url, tmp_path):
    body = {"name": "Importadas", "class": "curp", "active": True, "execution_type": "auto", "config": {}}
    validation_id = api.post("/validations", json=body).json()["result"]["id"]
    try:
        over_http, by_cli = new_curp(), new_curp()
        assert report(send(api, csv_bytes([[over_http, "N", "P", "M", ""]])))["created"] == 1
        path = tmp_path / "people.csv"
        path.write_bytes(csv_bytes([[by_cli, "N", "P", "M", ""]]))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONAS_")}
        env |= {"PERSONAS_DATABASE_URL": database_url, "PERSONAS_SECRET_KEY": "test-secret"}
        command = [sys.executable, "-m", "personas.cli", "import", str(path)]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "created 1, existing 0, failed 0"
        for curp in (over_http, by_cli):
            person_id = api.get(f"/people/national-id/{curp}").json()["result"]["id"]
            assert _settled(api, person_id, validation_id) == [0]  # one run each, passed
    finally:
        api.put(f"/validations/{validation_id}", json={"active": False})
