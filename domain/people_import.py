"""Import of people from CSV or XLSX: reading rows one at a time, and checking each row's shape.

A file is read as a stream (csv module, openpyxl in read-only mode) so memory does not grow with it.
Row numbers are the ones a spreadsheet shows: the header is row 1, the first person row 2.
Columns are the fields of `POST /people` plus `address_*` and `contact_*` ones; what a row means is
judged here only as far as the spec would have judged a `POST /people` body (shape); the rules
(CURP, catalogs, states, email, phone) stay with the people, address and contact use cases it calls.
"""

import codecs
import csv
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime

from personas.domain import addresses, contact_data, people, spreadsheets
from personas.domain.catalogs import resolve_state
from personas.domain.errors import DuplicateKey, Rule, Text, ValidationFailed

PERSON_COLUMNS = (
    "national_id",
    "name",
    "first_lastname",
    "second_lastname",
    "birthdate",
    "gender",
    "tax_id",
    "nationality_id",
    "state_id",
    "external_ref_id",
)
REQUIRED_COLUMNS = ("national_id", "name", "first_lastname", "second_lastname")
ADDRESS_FIELDS = ("street", "ext_num", "int_num", "colony", "municipality", "city", "state", "zip_code")
ADDRESS_COLUMNS = tuple(f"address_{f}" for f in ADDRESS_FIELDS)
ADDRESS_REQUIRED = ("street", "ext_num", "colony", "municipality", "state", "zip_code")
CONTACT_COLUMNS = ("contact_email", "contact_phone")
# Written by the export, so that an exported file can be imported again; ignored here.
IGNORED_COLUMNS = ("id", "created_at")
KNOWN_COLUMNS = frozenset(PERSON_COLUMNS + ADDRESS_COLUMNS + CONTACT_COLUMNS + IGNORED_COLUMNS)

MAX_LENGTHS = {"name": 255, "first_lastname": 255, "second_lastname": 255, "external_ref_id": 255, "tax_id": 13}
ADDRESS_MAX = {"ext_num": 50, "int_num": 50, "zip_code": 5}
CURP_SHAPE = re.compile(r"^[A-Za-z0-9]{18}$")
RFC_SHAPE = re.compile(r"^[A-Za-z&Ññ]{3,4}[0-9]{6}[0-9A-Za-z]{3}$")
ZIP_SHAPE = re.compile(r"^[0-9]{5}$")
DATE_SHAPE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})(T00:00:00(\.0+)?Z)?$")
MAX_INT = 2147483647
LISTED_FAILURES = 100  # failed rows the answer lists; the others are only counted
ECHOED_NATIONAL_ID = 40
XLSX_MAGIC = b"PK\x03\x04"

REQUIRED = Text("Campo requerido", "Required field")
TOO_LONG = Text("Máximo {} caracteres", "At most {} characters")
BAD_FORMAT = Text("Formato inválido", "Invalid format")
NOT_INTEGER = Text("Debe ser un entero positivo", "Must be a positive integer")
BAD_GENDER = Text("Debe ser MALE o FEMALE", "Must be MALE or FEMALE")
NOT_A_FILE = spreadsheets.NOT_AN_XLSX
EMPTY_FILE = Rule("empty_file", "Archivo vacío", "Empty file")
UNKNOWN_COLUMNS = Rule("import_columns", "Columnas desconocidas: {}", "Unknown columns: {}")
MISSING_COLUMNS = Rule("import_columns", "Faltan columnas: {}", "Missing columns: {}")


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed({"file": [message]})


def _cell(value: object) -> str:
    """A cell as text: spreadsheets give numbers and dates where the CSV form has text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _check_header(header: list[str]) -> list[str]:
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n and n not in KNOWN_COLUMNS]
    if unknown:
        raise _file_error(UNKNOWN_COLUMNS.format(", ".join(unknown)))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise _file_error(MISSING_COLUMNS.format(", ".join(missing)))
    return names


def _rows(
    header_and_rows: Iterator[list], cell: Callable[[object], str] = _cell
) -> Iterator[tuple[int, dict[str, str]]]:
    """`cell` turns a value into its text: `_cell` for spreadsheets, `str.strip` for CSV (already text)."""
    try:
        header = next(header_and_rows)
    except StopIteration:
        raise _file_error(EMPTY_FILE) from None
    names = _check_header([cell(h) for h in header])
    restored = spreadsheets.restored
    for number, values in enumerate(header_and_rows, start=2):
        cells = [cell(v) for v in values]
        if not any(cells):
            continue  # blank lines are not people
        # A cell the export wrote with an apostrophe (so no spreadsheet runs it) means the text without.
        yield number, {name: restored(value) for name, value in zip(names, cells, strict=False) if name}


def _csv_lines(stream) -> Iterator[str]:
    """Decoded lines of a binary stream; a BOM is dropped; bytes that are not UTF-8 fail the file."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        pending = ""
        while chunk := stream.read(64 * 1024):
            pending += decoder.decode(chunk)
            lines = pending.splitlines(keepends=True)
            pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
            yield from lines
        pending += decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _file_error(NOT_A_FILE) from None
    if pending:
        yield pending


def _csv_rows(stream) -> Iterator[list[str]]:
    try:
        yield from csv.reader(_csv_lines(stream))
    except csv.Error:  # a field over csv's size limit, a NUL byte
        raise _file_error(NOT_A_FILE) from None


def read_rows(stream) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for each non-blank row of a CSV or XLSX binary stream (seekable).

    An XLSX is read within the limits of `domain.spreadsheets`.
    """
    kind_is_xlsx = stream.read(4) == XLSX_MAGIC
    stream.seek(0)
    if kind_is_xlsx:
        return _rows(spreadsheets.xlsx_rows(stream))
    return _rows(_csv_rows(stream), str.strip)


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and 1 <= int(value) <= MAX_INT else None


def _person(cells: dict[str, str], errors: dict) -> dict:
    data: dict = {}
    for column in PERSON_COLUMNS:
        value = cells.get(column, "")
        if column in REQUIRED_COLUMNS:
            data[column] = value  # the names may be empty, as in POST /people; national_id is checked below
        elif value:
            data[column] = value
    for column, limit in MAX_LENGTHS.items():
        if len(data.get(column) or "") > limit:
            errors[column] = [TOO_LONG.format(limit)]
    nid = data["national_id"]
    if not nid:
        errors["national_id"] = [REQUIRED]
    elif not CURP_SHAPE.match(nid):
        errors["national_id"] = [BAD_FORMAT]
    data["national_id"] = nid.upper()
    if "tax_id" in data and "tax_id" not in errors and not RFC_SHAPE.match(data["tax_id"]):
        errors["tax_id"] = [BAD_FORMAT]
    if "birthdate" in data:
        found = DATE_SHAPE.match(data["birthdate"])
        try:
            data["birthdate"] = date.fromisoformat(found.group(1)) if found else None
        except ValueError:
            data["birthdate"] = None
        if data["birthdate"] is None:
            errors["birthdate"] = [BAD_FORMAT]
    if "gender" in data:
        data["gender"] = data["gender"].upper()
        if data["gender"] not in ("MALE", "FEMALE"):
            errors["gender"] = [BAD_GENDER]
    for column in ("nationality_id", "state_id"):
        if column in data:
            data[column] = _int(data[column])
            if data[column] is None:
                errors[column] = [NOT_INTEGER]
    return data


def _address(cells: dict[str, str], errors: dict) -> dict | None:
    data = {f: cells[c] for f, c in zip(ADDRESS_FIELDS, ADDRESS_COLUMNS, strict=True) if cells.get(c)}
    if not data:
        return None
    for field in ADDRESS_REQUIRED:
        if field not in data:
            errors[f"address_{field}"] = [REQUIRED]
    for field, value in data.items():
        limit = ADDRESS_MAX.get(field, 255)
        if len(value) > limit:
            errors[f"address_{field}"] = [TOO_LONG.format(limit)]
    if "zip_code" in data and not ZIP_SHAPE.match(data["zip_code"]):
        errors["address_zip_code"] = [BAD_FORMAT]
    # The file has no column for references, which the address requires: they are left empty.
    return data | {"references": ""}


def _contact(cells: dict[str, str], errors: dict) -> dict | None:
    data = {c.removeprefix("contact_"): cells[c] for c in CONTACT_COLUMNS if cells.get(c)}
    if not data:
        return None
    for column in CONTACT_COLUMNS:
        if not cells.get(column):
            errors[column] = [REQUIRED]  # as POST /contact-data, which needs both
    return data


def parse_row(cells: dict[str, str]) -> tuple[dict, dict | None, dict | None]:
    """Person, address and contact data of a row; ValidationFailed names every bad column."""
    errors: dict[str, list[str]] = {}
    person = _person(cells, errors)
    address = _address(cells, errors)
    contact = _contact(cells, errors)
    if errors:
        raise ValidationFailed(errors)
    return person, address, contact


def batches(rows: Iterable, size: int) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- the use case ---------------------------------------------------------------------------------


def _precheck(address: dict | None, contact: dict | None) -> None:
    """Run the address and contact rules before the person is written: a row is stored whole or not at all."""
    errors = {}
    if address is not None and resolve_state(address["state"]) is None:
        errors["address_state"] = [addresses.UNKNOWN_STATE.format(address["state"])]
    if contact is not None:
        try:
            contact_data.normalise_contact(contact)
        except ValidationFailed as failed:
            errors |= {f"contact_{field}": messages for field, messages in failed.errors.items()}
    if errors:
        raise ValidationFailed(errors)


def _failed(number: int, cells: dict[str, str], failed: ValidationFailed) -> dict:
    # Only the start of the sent national_id: the answer must not grow with what a bad cell holds.
    nid = cells.get("national_id", "")[:ECHOED_NATIONAL_ID] or None
    return {"row": number, "status": "failed", "national_id": nid, "person_id": None, "errors": failed.errors}


def _existing(number: int, national_id: str, person_id: str) -> dict:
    return {"row": number, "status": "existing", "national_id": national_id, "person_id": person_id}


def _created(number: int, person) -> dict:
    return {"row": number, "status": "created", "national_id": person.national_id, "person_id": person.id}


def _add_records(uow, number: int, person_id: str, address, contact) -> None:
    try:
        if address is not None:
            addresses.create_address(uow, address | {"person_id": person_id})
        if contact is not None:
            contact_data.create_contact(uow, contact | {"person_id": person_id})
    except ValidationFailed as failed:
        # _precheck runs the same rules: reaching here is a bug, and the batch must not be committed half-done.
        raise RuntimeError(f"row {number}: {failed}") from failed


def _store(uow, number: int, cells: dict[str, str]) -> dict:
    """One row on its own, as POST /people would take it: the fallback when a batch met another writer."""
    try:
        person, address, contact = parse_row(cells)
        _precheck(address, contact)
        found = uow.people.by_national_id(person["national_id"])
        if found is not None:
            return _existing(number, found.national_id, found.id)
        created = people.create_person(uow, person)
    except ValidationFailed as failed:
        return _failed(number, cells, failed)
    _add_records(uow, number, created.id, address, contact)
    return _created(number, created)


def _store_batch(uow, batch: list) -> list[dict]:
    """The outcome of each row of the batch, the good ones stored with one flush.

    Each row goes through the rules POST /people applies, in the order `_store` applies them: its
    shape, the address and contact rules, then whether its national_id is taken (by a living person
    or by an earlier row of the file), then the identity and catalog rules. The taken national_ids
    of the whole batch come from one query.
    """
    outcomes: list[dict | None] = [None] * len(batch)
    parsed = []
    for index, (number, cells) in enumerate(batch):
        try:
            person, address, contact = parse_row(cells)
            _precheck(address, contact)
        except ValidationFailed as failed:
            outcomes[index] = _failed(number, cells, failed)
            continue
        parsed.append((index, number, cells, person, address, contact))
    taken = uow.people.taken_national_ids([p[3]["national_id"] for p in parsed])
    fresh, checked = {}, []  # national_id -> position in `checked`, for later rows of the file that repeat it
    for index, number, cells, person, address, contact in parsed:
        nid = person["national_id"]
        if nid in taken:
            outcomes[index] = _existing(number, *taken[nid])
            continue
        if nid in fresh:
            continue  # reported once the first row's person has its id
        try:
            data = people.check_new_person(uow, person)
        except ValidationFailed as failed:
            outcomes[index] = _failed(number, cells, failed)
            continue
        fresh[nid] = len(checked)
        checked.append((index, number, data, address, contact))
    created = people.create_checked_people(uow, [c[2] for c in checked])
    for (index, number, _data, address, contact), person in zip(checked, created, strict=True):
        outcomes[index] = _created(number, person)
        _add_records(uow, number, person.id, address, contact)
    for index, number, _cells, person, _address, _contact in parsed:
        if outcomes[index] is None:  # a repeat of an earlier row of this batch
            first = created[fresh[person["national_id"]]]
            outcomes[index] = _existing(number, first.national_id, first.id)
    return outcomes


def import_people(open_uow, rows: Iterable, batch_size: int = 500, on_batch=None, listed: int | None = None) -> dict:
    """Store the good rows, count every outcome, list the first failed rows; one transaction a batch.

    A batch is checked whole and stored with one flush; if another writer took one of its
    national_ids meanwhile (a conflict at the database), the batch is rolled back and done again
    row by row, each row looking its national_id up then.
    A crash loses at most the batch in progress, which was never reported; sending the file again
    finds the committed rows by national_id and reports them as existing, so nothing is stored twice.
    The answer stays small whatever the file: created and existing rows are counted, failed rows are
    counted and the first `listed` (LISTED_FAILURES) listed with their errors.
    """
    listed = LISTED_FAILURES if listed is None else listed
    report = {"created": 0, "existing": 0, "failed": 0, "rows": [], "failed_rows_omitted": 0}
    for batch in batches(rows, batch_size):
        try:
            with open_uow() as uow:
                outcomes = _store_batch(uow, batch)
                uow.commit()
        except DuplicateKey:
            with open_uow() as uow:
                outcomes = [_store(uow, number, cells) for number, cells in batch]
                uow.commit()
        for outcome in outcomes:
            report[outcome["status"]] += 1
            if outcome["status"] == "failed":
                if len(report["rows"]) < listed:
                    report["rows"].append(outcome)
                else:
                    report["failed_rows_omitted"] += 1
        if on_batch is not None:
            on_batch(report, len(batch))
    return report
