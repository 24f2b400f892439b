"""Rows of an import file and lines of an export, without a database."""

import io
import random
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from personas.domain import people_export, people_import, spreadsheets
from personas.domain.errors import Text, ValidationFailed
from tests import xlsx_bombs


def rows_of(content: bytes) -> list:
    return list(people_import.read_rows(io.BytesIO(content)))


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them_and_blank_lines_are_skipped():
    content = '\ufeffnational_id,Name ,first_lastname,second_lastname\r\nA,Ñu,B,C\r\n,,,\r\n\r\nD,"x,y",E,F\r\n'
    assert rows_of(content.encode("utf-8")) == [
        (2, {"national_id": "A", "name": "Ñu", "first_lastname": "B", "second_lastname": "C"}),
        (5, {"national_id": "D", "name": "x,y", "first_lastname": "E", "second_lastname": "F"}),
    ]


def test_xlsx_cells_become_the_text_a_csv_would_carry():
    book = Workbook()
    book.active.append(["national_id", "name", "first_lastname", "second_lastname", "birthdate", "state_id"])
    book.active.append(["A", "B", "C", "D", datetime(1988, 2, 12), 7.0])
    out = io.BytesIO()
    book.save(out)
    [(number, cells)] = rows_of(out.getvalue())
    assert number == 2 and (cells["birthdate"], cells["state_id"]) == ("1988-02-12", "7")


def test_a_row_is_mapped_to_person_address_and_contact_data():
    cells = {"national_id": "pesj880212hdfhlx01", "name": "Juan", "first_lastname": "P", "second_lastname": "S"}
    cells |= {"birthdate": "1988-02-12T00:00:00Z", "gender": "male", "state_id": "7", "address_street": "Marte"}
    cells |= {"address_ext_num": "1", "address_colony": "C", "address_municipality": "M", "address_state": "DF"}
    cells |= {"address_zip_code": "08016", "contact_email": "a@b.mx", "contact_phone": "5591038054"}
    person, address, contact = people_import.parse_row(cells)
    assert person["national_id"] == "PESJ880212HDFHLX01" and person["birthdate"] == date(1988, 2, 12)
    assert (person["gender"], person["state_id"]) == ("MALE", 7)
    assert address["street"] == "Marte" and address["references"] == ""
    assert contact == {"email": "a@b.mx", "phone": "5591038054"}


def test_every_bad_column_of_a_row_is_named_at_once():
    cells = {"national_id": "short", "name": "x" * 256, "first_lastname": "", "second_lastname": ""}
    cells |= {"birthdate": "1988-02-30", "nationality_id": "0", "address_street": "Marte"}
    with pytest.raises(ValidationFailed) as failed:
        people_import.parse_row(cells)
    assert set(failed.value.errors) == {
        "national_id", "name", "birthdate", "nationality_id",
        "address_ext_num", "address_colony", "address_municipality", "address_state", "address_zip_code",
    }  # fmt: skip


def test_an_export_chunk_is_utf8_csv_with_dates_as_the_api_writes_them():
    rows = [("id1", "Ñ", date(1988, 2, 12), None, datetime(2022, 7, 29, 17, 16, 20))] * 3
    chunks = list(people_export.csv_chunks(["id", "name", "birthdate", "tax_id", "created_at"], rows, chunk_rows=2))
    assert len(chunks) == 2
    text = b"".join(chunks).decode("utf-8")
    assert text.splitlines() == ["id,name,birthdate,tax_id,created_at"] + ["id1,Ñ,1988-02-12,,2022-07-29T17:16:20Z"] * 3


def test_the_export_range_covers_both_days_whole():
    assert people_export.date_range("2022-07-29", "2022-07-29") == (datetime(2022, 7, 29), datetime(2022, 7, 30))
    assert people_export.date_range("9999-12-31", "9999-12-31")[1] == datetime.max  # no day after it
    with pytest.raises(ValidationFailed):
        people_export.date_range("2022-07-30", "2022-07-29")


def test_a_missing_export_date_leaves_that_side_open():
    assert people_export.date_range(None, None) == (None, None)
    assert people_export.date_range("2022-07-29", None) == (datetime(2022, 7, 29), None)
    assert people_export.date_range(None, "2022-07-29") == (None, datetime(2022, 7, 30))


# --- XLSX limits (domain.spreadsheets) ------------------------------------------------------------


def refusal(content: bytes) -> list[str]:
    with pytest.raises(ValidationFailed) as failed:
        rows_of(content)
    return failed.value.errors["file"]


def test_a_workbook_with_shared_strings_within_the_limits_is_read():
    content = xlsx_bombs.workbook([("PESJ880212HDFHLX01", "Ana", "Ruiz", "Paz")])
    assert rows_of(content) == [
        (2, {"national_id": "PESJ880212HDFHLX01", "name": "Ana", "first_lastname": "Ruiz", "second_lastname": "Paz"})
    ]


def test_a_part_that_unpacks_far_more_than_it_weighs_is_refused_before_it_is_read():
    assert refusal(xlsx_bombs.shared_strings_bomb(megabytes=3)) == [
        spreadsheets.TOO_BIG.format(f"{spreadsheets.MAX_RATIO}:1", f"{spreadsheets.MAX_RATIO}:1")
    ]


def test_shared_strings_over_their_own_limit_are_refused_though_a_sheet_may_be_larger(monkeypatch):
    monkeypatch.setattr(spreadsheets, "STRINGS_BYTES", spreadsheets.MB)
    noise = random.Random(7).randbytes(600_000).hex().encode()  # 1.2 MB that barely compresses
    content = xlsx_bombs.workbook([("A", "B", "C", "D")], padding=[b"<si><t>" + noise + b"</t></si>"])
    assert refusal(content) == [spreadsheets.TOO_BIG.format("1 MB", "1 MB")]
    monkeypatch.setattr(spreadsheets, "STRINGS_BYTES", 2 * spreadsheets.MB)
    assert len(rows_of(content)) == 1


def test_a_part_over_the_largest_size_or_too_many_parts_are_refused_from_the_zip_directory(monkeypatch):
    content = xlsx_bombs.workbook([("A", "B", "C", "D")])
    monkeypatch.setattr(spreadsheets, "SHEET_BYTES", 500)  # the theme-less sheet and strings are smaller
    assert refusal(content) == [spreadsheets.TOO_BIG.format("0 MB", "0 MB")]
    monkeypatch.setattr(spreadsheets, "SHEET_BYTES", spreadsheets.MB)
    monkeypatch.setattr(spreadsheets, "MAX_PARTS", 5)
    assert refusal(content) == [spreadsheets.TOO_BIG.format(Text("5 partes", "5 parts"))]


def test_rows_past_the_row_limit_fail_the_file(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    content = xlsx_bombs.workbook([("A", "B", "C", "D")] * 2)
    assert len(rows_of(content)) == 2  # header and two rows: three rows
    content = xlsx_bombs.workbook([("A", "B", "C", "D")] * 3)
    assert refusal(content) == [spreadsheets.TOO_BIG.format(Text("3 filas", "3 rows"))]


def test_a_value_past_the_column_limit_fails_the_file(monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_COLUMNS", 4)
    assert len(rows_of(xlsx_bombs.workbook([("A", "B", "C", "D")]))) == 1
    content = xlsx_bombs.workbook([("A", "B", "C", "D", "E")])
    assert refusal(content) == [spreadsheets.TOO_BIG.format(Text("4 columnas", "4 columns"))]


def test_a_broken_sheet_inside_a_valid_zip_is_not_an_xlsx():
    content = xlsx_bombs.workbook([("A", "B", "C", "D")])
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(broken, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data[:-20] if info.filename.endswith("sheet1.xml") else data)
    assert refusal(broken.getvalue()) == [people_import.NOT_A_FILE]
