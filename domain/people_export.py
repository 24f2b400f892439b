"""People export: the CSV's columns, the date range, and rows turned into UTF-8 chunks of CSV text.

The columns are the import's (so an exported file imports again) plus `id` and `created_at`.
Text that a spreadsheet program would run as a formula is written neutralised
(`domain.spreadsheets.neutralised`); the import reads it back as it was stored.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta

from personas.domain.errors import Rule, ValidationFailed
from personas.domain.people_import import ADDRESS_COLUMNS, CONTACT_COLUMNS, PERSON_COLUMNS
from personas.domain.spreadsheets import FORMULA_STARTS

EXPORT_PERSON_COLUMNS = ("id", *PERSON_COLUMNS, "created_at")
END_BEFORE_START = Rule("end_before_start", "Debe ser igual o posterior a start_date", "Must not be before start_date")


def sections(exclude: Iterable[str]) -> tuple[bool, bool]:
    """Whether the address and the contact columns are exported."""
    excluded = set(exclude)
    return "address" not in excluded, "contact" not in excluded


def header(with_address: bool, with_contact: bool) -> list[str]:
    names = list(EXPORT_PERSON_COLUMNS)
    if with_address:
        names += ADDRESS_COLUMNS
    if with_contact:
        names += CONTACT_COLUMNS
    return names


def date_range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """[start 00:00, the day after end 00:00) in naive UTC, as timestamps are stored: both days inclusive.

    A date not given leaves that side open (None): the seed requires neither, so an export of everyone
    sends none.
    """
    first = date.fromisoformat(str(start)[:10]) if start else None
    last = date.fromisoformat(str(end)[:10]) if end else None
    if first is not None and last is not None and last < first:
        raise ValidationFailed({"end_date": [END_BEFORE_START]})
    if last is None:
        after = None
    else:
        after = datetime.max if last == date.max else datetime.combine(last + timedelta(days=1), time.min)
    return (None if first is None else datetime.combine(first, time.min)), after


def _text(value: object) -> object:
    """A value as the CSV carries it; csv.writer itself writes None as empty and a date as its isoformat."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return value


def csv_chunks(names: list[str], rows: Iterable[tuple], chunk_rows: int = 200) -> Iterator[bytes]:
    """The header, then the rows, as UTF-8 bytes a few hundred rows at a time (memory stays flat)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    pending = 1
    starts = FORMULA_STARTS
    for row in rows:
        # Timestamps need turning into text, and text that starts like a formula an apostrophe before it
        # (as spreadsheets.neutralised, inlined: a million rows, no call per value).
        writer.writerow(
            [
                ("'" + v if v.startswith(starts) else v)
                if v.__class__ is str
                else (_text(v) if v.__class__ is datetime else v)
                for v in row
            ]
        )
        pending += 1
        if pending >= chunk_rows:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending or buffer.tell():
        yield buffer.getvalue().encode("utf-8")
