"""Import and export of many people: rows per second and peak RSS, against a raw Core insert baseline.

    python bench/import_export.py [--rows 100000] [--database-url URL] [--full]

Generates a CSV of unique, valid CURPs (with address and contact columns under --full), then runs,
each in its own process so each peak RSS is its own: the import use case that POST /people/import
and `personas import` run, the CSV export stream that POST /people/export sends, and a baseline
that inserts the same people with one SQLAlchemy Core executemany per 500 rows (no rules, no
history, no events). The database is emptied (dropped and migrated) first: use a throw-away one.
"""

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LETTERS = "BCDFGHJKLMNPQRSTVWXYZ"
HEADER = ["national_id", "name", "first_lastname", "second_lastname", "gender"]
FULL = [
    *("address_street", "address_ext_num", "address_colony", "address_municipality"),
    *("address_state", "address_zip_code", "contact_email", "contact_phone"),
]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def generate(path: Path, rows: int, full: bool) -> None:
    from stdnum.mx import curp

    rng, seen = random.Random(7), set()
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER + (FULL if full else []))
        while len(seen) < rows:
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
            initials = rng.choice(LETTERS) + rng.choice("AEIOU") + rng.choice(LETTERS) + rng.choice(LETTERS)
            body = f"{initials}{born:%y%m%d}HJC{''.join(rng.choices(LETTERS, k=3))}0"
            number = body + curp.calc_check_digit(body)
            if number in seen or not curp.is_valid(number):
                continue
            seen.add(number)
            row = [number, "José", "Núñez", "Peña", "MALE"]
            if full:
                row += ["Av. Juárez", "12", "Centro", "Cuauhtémoc", "DF", "06000", f"p{len(seen)}@example.com"]
                row += ["5591038054"]
            writer.writerow(row)


def to_xlsx(source: Path, target: Path) -> None:
    """The CSV as a spreadsheet, written in openpyxl's streaming mode."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    with source.open(newline="", encoding="utf-8") as rows:
        for row in csv.reader(rows):
            sheet.append(row)
    book.save(target)


def _factory(url: str):
    from persistence import crypto, history
    from persistence.db import make_engine, make_session_factory
    from personas.config import Settings

    crypto.configure(Settings(database_url=url, secret_key="bench"))
    factory = make_session_factory(make_engine(url))
    history.install(factory)
    return factory


def run_import(url: str, path: str) -> None:
    from domain import people_import
    from handlers.people_io import BATCH_SIZE, TARGETS
    from persistence.uow import UnitOfWork

    factory = _factory(url)
    start = time.perf_counter()
    with open(path, "rb") as stream:
        report = people_import.import_people(
            lambda: UnitOfWork(factory), people_import.read_rows(stream), TARGETS, BATCH_SIZE
        )
    took = time.perf_counter() - start
    rows = report["created"] + report["existing"] + report["failed"]
    counts = f"created {report['created']} existing {report['existing']} failed {report['failed']}"
    print(f"import:   {rows / took:8.0f} rows/s  {took:7.1f} s  peak RSS {_peak_mb():6.0f} MB  ({counts})")


def run_export(url: str) -> None:
    from domain import people_export
    from handlers.people_io import CSV_CHUNK_ROWS
    from persistence.repositories.people_export import PeopleExport

    factory = _factory(url)
    start, end = people_export.date_range("2000-01-01", "2100-01-01")
    began, size, rows = time.perf_counter(), 0, 0
    with factory() as session, open(os.devnull, "wb") as sink:
        names = people_export.header(True, True)
        for chunk in people_export.csv_chunks(
            names, PeopleExport(session).rows(start, end, True, True), CSV_CHUNK_ROWS
        ):
            sink.write(chunk)
            size += len(chunk)
            rows += chunk.count(b"\n")
    took = time.perf_counter() - began
    rows -= 1  # the header
    print(
        f"export:   {rows / took:8.0f} rows/s  {took:7.1f} s  peak RSS {_peak_mb():6.0f} MB  ({size / 1e6:.1f} MB CSV)"
    )


def run_baseline(url: str, path: str) -> None:
    """The same people through one Core executemany per 500 rows: what the database alone costs."""
    from sqlalchemy import insert

    from persistence.models.people import Person

    factory = _factory(url)
    now = datetime.now(UTC).replace(tzinfo=None)
    table = Person.__table__
    start, count, batch = time.perf_counter(), 0, []
    with factory() as session, open(path, newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            nid = row["national_id"]
            batch.append(
                {
                    "id": str(uuid.uuid4()), "national_id": nid, "active_national_id": nid, "name": row["name"],
                    "first_lastname": row["first_lastname"], "second_lastname": row["second_lastname"],
                    "gender": row["gender"], "created_at": now, "updated_at": now,
                }
            )  # fmt: skip
            if len(batch) == 500:
                session.execute(insert(table), batch)
                session.commit()
                count, batch = count + len(batch), []
        if batch:
            session.execute(insert(table), batch)
            session.commit()
            count += len(batch)
    took = time.perf_counter() - start
    print(f"baseline: {count / took:8.0f} rows/s  {took:7.1f} s  peak RSS {_peak_mb():6.0f} MB  (Core executemany)")


def reset(url: str) -> None:
    from sqlalchemy import MetaData

    from persistence.db import make_engine
    from persistence.migrate import upgrade

    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    upgrade(engine, "heads")
    engine.dispose()


def idle() -> None:
    import handlers.people_io  # noqa: F401 - what every phase loads before it starts
    import persistence.migrate  # noqa: F401

    print(f"idle:     the modules alone take peak RSS {_peak_mb():6.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--full", action="store_true", help="address and contact columns too")
    parser.add_argument("--xlsx", action="store_true", help="import the rows from an XLSX file")
    parser.add_argument("--phase", choices=["import", "export", "baseline", "idle"], help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        {"import": lambda: run_import(args.database_url, args.file), "export": lambda: run_export(args.database_url),
         "baseline": lambda: run_baseline(args.database_url, args.file), "idle": idle}[args.phase]()  # fmt: skip
        return
    work = Path(tempfile.mkdtemp(prefix="personas-bench-"))
    url = args.database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    path = work / "people.csv"
    generate(path, args.rows, args.full)
    print(f"{args.rows} rows, {path.stat().st_size / 1e6:.1f} MB CSV{' with address and contact' if args.full else ''}")
    imported = path
    if args.xlsx:
        imported = work / "people.xlsx"
        to_xlsx(path, imported)
        print(f"imported from XLSX: {imported.stat().st_size / 1e6:.1f} MB")
    reset(url)
    me = [sys.executable, __file__, "--database-url", url]
    for phase in ("idle", "import", "export", "baseline"):
        if phase == "baseline":
            reset(url)  # the baseline inserts the same people into empty tables
        source = imported if phase == "import" else path
        subprocess.run([*me, "--file", str(source), "--phase", phase], check=True)


if __name__ == "__main__":
    main()
