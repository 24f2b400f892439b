"""Import and export of many people: rows per second and peak RSS, each against a raw baseline.

    python -m bench.import_export [--db sqlite,mariadb] [--rounds N] [--people N] [--import-rows N] [--quick]

Import, per database: `ctx.import_rows` CSV rows (unique valid CURPs) are made
once, then each variant gets a fresh database:
- `POST /people/import` to `personas serve --workers 1` (one process, so its RSS is the server's),
  the file uploaded by curl; the server's peak RSS is sampled during the request;
- `personas import FILE` as a subprocess (peak RSS sampled with psutil);
- baseline: the same rows, already validated (the columns the import writes for a person, derived
  fields included), through SQLAlchemy Core executemany, 500 rows per committed transaction, in a
  subprocess; and a second one, `raw3`, that also writes the history row and the outbox row the
  import writes for each person (payloads of the same kind), to show what the database alone
  costs for what the import must store.
Target: >= 0.5x the raw bulk insert, peak RSS < 200 MB.

Export (benchmark 4), per database and size (10,000 and `ctx.people`): people seeded with raw
inserts (bench.seed), `POST /people/export` for their whole range streamed to /dev/null by curl,
server peak RSS sampled; baseline: a raw server-side-cursor read of the same query (Core,
`stream_results` + `yield_per`) written as CSV to /dev/null in a subprocess.
Target: RSS flat (< 150 MB) from 10,000 to 1,000,000 rows, >= 0.5x the raw cursor.

Medians of ctx.rounds rounds; the import runs one round per variant when it has more than 20,000
rows (the `rounds` column says how many).
"""

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

LETTERS = "BCDFGHJKLMNPQRSTVWXYZ"
HEADER = ["national_id", "name", "first_lastname", "second_lastname", "gender"]
FULL = [
    *("address_street", "address_ext_num", "address_colony", "address_municipality"),
    *("address_state", "address_zip_code", "contact_email", "contact_phone"),
]
BATCH = 500  # rows per transaction, as handlers.people_io.BATCH_SIZE
SECRET = "bench-import-export"
EXPORT_DAY = "2020-01-01"  # bench.seed creates people from 2020-01-01 00:00, one millisecond apart


# --- data ---------------------------------------------------------------------------------------


def generate(path: Path, rows: int, full: bool = False) -> None:
    """A CSV of `rows` people with unique valid CURPs (address and contact columns when `full`)."""
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


def _fresh(ctx, db, name: str) -> str:
    """A new, empty database for one measurement."""
    if db.label == "sqlite":
        path = ctx.scratch(f"import_export/{name}") / "bench.sqlite3"
        for leftover in path.parent.glob("bench.sqlite3*"):
            leftover.unlink()
        return f"sqlite:///{path}"
    return harness.fresh_mariadb_database(db.url, f"personas_ie_{name}")


def _migrate(url: str) -> None:
    from personas.persistence.db import make_engine
    from personas.persistence.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()


def _env(url: str, ctx) -> dict:
    return {
        "PERSONAS_DATABASE_URL": url,
        # One key drives the whole load: the limiter still counts every request, it just never refuses.
        "PERSONAS_RATE_LIMIT": "1000000000/minute",
        "PERSONAS_SECRET_KEY": SECRET,
        "PERSONAS_STORAGE_URL": str(ctx.scratch("import_export/files")),
        "PYTHONPATH": str(ROOT),
    }


# --- peak RSS -----------------------------------------------------------------------------------


class PeakRss:
    """Samples a process tree's resident memory (sum over the tree) every 20 ms; `.peak_mb` at the end."""

    def __init__(self, pid: int):
        self.pid, self.peak_mb, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, harness.tree_rss_mb(self.pid))
            self._stop.wait(0.02)

    def __enter__(self) -> "PeakRss":
        self.peak_mb = harness.tree_rss_mb(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _timed_subprocess(argv: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """(seconds, peak RSS MB, stdout) of a subprocess run to its end; a failure raises."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=dict(os.environ, **(env or {})), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with PeakRss(proc.pid) as rss:
        out, err = proc.communicate()
    took = time.perf_counter() - began
    if proc.returncode:
        raise RuntimeError(f"{argv} failed ({proc.returncode}): {err[-3000:]}")
    return took, rss.peak_mb, out


def _phase(name: str, url: str, *args: str) -> dict:
    """Run a baseline phase of this module in its own process: its JSON answer plus its peak RSS."""
    argv = [harness.PYTHON, "-m", "bench.import_export", "--phase", name, "--url", url, *args]
    _took, peak, out = _timed_subprocess(argv)
    return json.loads(out.strip().splitlines()[-1]) | {"peak_rss_mb": round(peak, 1)}


# --- import -------------------------------------------------------------------------------------


def _serve(url: str, ctx) -> harness.Server:
    port = harness.free_port()
    argv = [harness.PYTHON, "-m", "personas.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return harness.Server([*argv, "--workers", "1"], port, env=_env(url, ctx), health="/api/v1/health").wait(120)


def _curl(argv: list[str], server: harness.Server) -> tuple[float, float, str]:
    """(seconds, the server's peak RSS during the request, curl's output) of one request by curl."""
    with PeakRss(server.proc.pid) as rss:
        began = time.perf_counter()
        out = subprocess.run(["curl", "-sS", "--max-time", "7200", *argv], capture_output=True, text=True, check=True)
        took = time.perf_counter() - began
    return took, rss.peak_mb, out.stdout


def import_http(url: str, csv_path: Path, ctx) -> dict:
    from bench.seed import make_api_key

    key = make_api_key(url)
    with _serve(url, ctx) as server:
        idle = server.rss_mb()
        took, peak, body = _curl(
            ["-H", f"Authorization: Bearer {key}", "-F", f"file=@{csv_path};type=text/csv"]
            + [f"{server.url}/api/v1/people/import"],
            server,
        )
    answer = json.loads(body)
    if not answer.get("success"):
        raise RuntimeError(f"POST /people/import failed: {body[:2000]}")
    return {"seconds": took, "peak_rss_mb": peak, "idle_rss_mb": idle, **_counts(answer["summary"])}


def import_cli(url: str, csv_path: Path, ctx) -> dict:
    _migrate(url)  # so that the command's own upgrade finds nothing to do
    argv = [harness.PYTHON, "-m", "personas.cli", "import", str(csv_path)]
    took, peak, out = _timed_subprocess(argv, _env(url, ctx))
    created, existing, failed = (int(n) for n in _last_numbers(out))
    return {"seconds": took, "peak_rss_mb": peak, "created": created, "existing": existing, "failed": failed}


def _last_numbers(out: str) -> list[str]:
    import re

    return re.findall(r"\d+", out.strip().splitlines()[-1])


def _counts(result: dict) -> dict:
    return {"created": result["created"], "existing": result["existing"], "failed": result["failed"]}


def _import_round(ctx, db, csv_path: Path, round_no: int) -> dict:
    rows = ctx.import_rows
    out = {}
    for variant in ("raw", "raw3", "http", "cli"):
        url = _fresh(ctx, db, f"{db.label}_import_{variant}_{round_no}")
        if variant in ("raw", "raw3"):
            _migrate(url)
            got = _phase(variant, url, "--file", str(csv_path))
        elif variant == "http":
            got = import_http(url, csv_path, ctx)
        else:
            got = import_cli(url, csv_path, ctx)
        if got["created"] != rows:
            raise RuntimeError(f"{variant} on {db.label} stored {got['created']} of {rows} rows: {got}")
        out[variant] = {"rows_s": rows / got["seconds"], "peak_rss_mb": got["peak_rss_mb"]}
        print(f"  import {db.label} round {round_no + 1} {variant}: {out[variant]}", file=sys.stderr, flush=True)
    return out


def run_import(ctx, db, csv_path: Path) -> list[dict]:
    rounds = ctx.rounds if ctx.import_rows <= 20_000 else 1
    results = [_import_round(ctx, db, csv_path, n) for n in range(rounds)]
    raw = harness.median(r["raw"]["rows_s"] for r in results)
    raw3 = harness.median(r["raw3"]["rows_s"] for r in results)
    rows = []
    for variant, case in (("http", "POST /people/import"), ("cli", "personas import")):
        speed = harness.median(r[variant]["rows_s"] for r in results)
        peak = max(r[variant]["peak_rss_mb"] for r in results)
        rows.append(
            {
                "bench": "import_export",
                "db": db.label,
                "case": f"import {ctx.import_rows:,} rows: {case}",
                "rows_s": round(speed, 1),
                "baseline_rows_s": round(raw, 1),
                "ratio": harness.ratio(speed, raw),
                "raw3_rows_s": round(raw3, 1),
                "ratio_raw3": harness.ratio(speed, raw3),
                "peak_rss_mb": round(peak, 1),
                "baseline_peak_rss_mb": max(r["raw"]["peak_rss_mb"] for r in results),
                "rounds": rounds,
                "target": ">= 0.5x, RSS < 200 MB",
                "met": bool(speed >= 0.5 * raw and peak < 200),
            }
        )
    return rows


# --- export -------------------------------------------------------------------------------------


def _export_database(ctx, db, size: int) -> str:
    from bench import seed

    if size == ctx.people:
        url, _ids = seed.seeded(ctx, db)  # shared with the other benchmarks: made once per run
        return url
    url = _fresh(ctx, db, f"{db.label}_export_{size}")
    seed.seed_people(url, size)
    return url


def run_export(ctx, db) -> list[dict]:
    from bench.seed import make_api_key

    rows = []
    body = json.dumps({"start_date": EXPORT_DAY, "end_date": EXPORT_DAY})
    for size in sorted({min(10_000, ctx.people), ctx.people}):
        url = _export_database(ctx, db, size)
        key = make_api_key(url)
        speeds, bases, peaks, base_peaks = [], [], [], []
        with _serve(url, ctx) as server:
            idle = server.rss_mb()
            for round_no in range(ctx.rounds):
                base = _phase("export", url)
                if base["rows"] != size:
                    raise RuntimeError(f"the raw cursor read {base['rows']} rows of {size}")
                bases.append(size / base["seconds"])
                base_peaks.append(base["peak_rss_mb"])
                took, peak, out = _curl(
                    ["-o", os.devnull, "-w", "%{http_code} %{size_download}", "-X", "POST"]
                    + ["-H", f"Authorization: Bearer {key}", "-H", "Content-Type: application/json", "-d", body]
                    + [f"{server.url}/api/v1/people/export"],
                    server,
                )
                status, size_download = out.split()
                if status != "200":
                    raise RuntimeError(f"POST /people/export answered {status}")
                speeds.append(size / took)
                peaks.append(peak)
                print(
                    f"  export {db.label} {size:,} round {round_no + 1}: {size / took:,.0f} rows/s, peak {peak:.0f} MB,"
                    f" {int(size_download) / 1e6:.1f} MB; raw cursor {bases[-1]:,.0f} rows/s",
                    file=sys.stderr,
                    flush=True,
                )
        speed, raw = harness.median(speeds), harness.median(bases)
        rows.append(
            {
                "bench": "import_export",
                "db": db.label,
                "case": f"export {size:,} rows: POST /people/export",
                "rows_s": round(speed, 1),
                "baseline_rows_s": round(raw, 1),
                "ratio": harness.ratio(speed, raw),
                "peak_rss_mb": round(max(peaks), 1),
                "idle_rss_mb": round(idle, 1),
                "baseline_peak_rss_mb": round(max(base_peaks), 1),
                "rounds": ctx.rounds,
                "target": ">= 0.5x, RSS < 150 MB",
                "met": bool(speed >= 0.5 * raw and max(peaks) < 150),
            }
        )
    return rows


# --- the benchmark ------------------------------------------------------------------------------


def run(ctx) -> list[dict]:
    csv_path = ctx.scratch("import_export") / f"people-{ctx.import_rows}.csv"
    if not csv_path.exists():
        generate(csv_path, ctx.import_rows)
    rows = []
    for db in ctx.databases:
        rows += run_import(ctx, db, csv_path)
        rows += run_export(ctx, db)
    return rows


# --- the baselines, each run in its own process -------------------------------------------------


def _validated(csv_path: str) -> list[dict]:
    """The CSV's people as the import stores them (derived fields included), checked before timing."""
    from personas.domain import people_import
    from personas.domain.identity import check_person_identity

    today, people = datetime.now(UTC).date(), []
    with open(csv_path, "rb") as stream:
        for _number, cells in people_import.read_rows(stream):
            person, _address, _contact = people_import.parse_row(cells)
            data = check_person_identity(person, False, today)
            people.append({"id": str(uuid.uuid4()), "active_national_id": data["national_id"], **data})
    return people


def _insert_batches(url: str, tables_and_rows) -> float:
    """Seconds to insert, BATCH people per committed transaction, each table's rows with one executemany."""
    from sqlalchemy import insert

    from personas.persistence.db import make_engine

    engine = make_engine(url)
    began = time.perf_counter()
    with engine.connect() as conn:
        for batch in tables_and_rows:
            with conn.begin():
                for table, rows in batch:
                    conn.execute(insert(table), rows)
    took = time.perf_counter() - began
    engine.dispose()
    return took


def baseline_raw(url: str, csv_path: str, with_history_and_outbox: bool) -> dict:
    from personas.persistence.models.events import OutboxEvent
    from personas.persistence.models.history import HistoryEntry
    from personas.persistence.models.people import Person

    people = _validated(csv_path)
    now = datetime.now(UTC).replace(tzinfo=None)

    def batches():
        for start in range(0, len(people), BATCH):
            chunk = [p | {"created_at": now, "updated_at": now} for p in people[start : start + BATCH]]
            out = [(Person.__table__, chunk)]
            if with_history_and_outbox:
                snapshots = [{k: _plain(v) for k, v in p.items() if k != "active_national_id"} for p in chunk]
                out.append(
                    (
                        HistoryEntry.__table__,
                        [
                            {
                                "id": str(uuid.uuid4()),
                                "person_id": p["id"],
                                "resource_type": "person",
                                "resource_id": p["id"],
                                "action": "create",
                                "new_value": s,
                                "created_at": now,
                            }  # fmt: skip
                            for p, s in zip(chunk, snapshots, strict=True)
                        ],
                    )
                )
                out.append(
                    (
                        OutboxEvent.__table__,
                        [
                            {
                                "id": str(uuid.uuid4()),
                                "name": "person_register",
                                "resource_name": "person",
                                "resource_id": p["id"],
                                "payload": s,
                                "state": "pending",
                                "attempts": 0,
                                "available_at": now,
                                "created_at": now,
                            }  # fmt: skip
                            for p, s in zip(chunk, snapshots, strict=True)
                        ],
                    )
                )
            yield out

    took = _insert_batches(url, batches())
    return {"seconds": took, "created": len(people)}


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def baseline_export(url: str) -> dict:
    """The export's query through a raw server-side cursor, each row written as CSV to /dev/null."""
    from personas.domain import people_export
    from personas.persistence.db import make_engine
    from personas.persistence.repositories.people_export import STREAM_BATCH, statement

    start, end = people_export.date_range(EXPORT_DAY, EXPORT_DAY)
    engine = make_engine(url)
    began, count = time.perf_counter(), 0
    with engine.connect() as conn, open(os.devnull, "w", newline="", encoding="utf-8") as sink:
        writer = csv.writer(sink, lineterminator="\r\n")
        writer.writerow(people_export.header(True, True))
        result = conn.execution_options(stream_results=True, yield_per=STREAM_BATCH).execute(
            statement(start, end, True, True)
        )
        for row in result:
            writer.writerow(row)
            count += 1
    took = time.perf_counter() - began
    engine.dispose()
    return {"seconds": took, "rows": count}


def _phase_main(args) -> None:
    if args.phase == "export":
        answer = baseline_export(args.url)
    else:
        answer = baseline_raw(args.url, args.file, args.phase == "raw3")
    print(json.dumps(answer))


def _fallback_main(argv: list[str]) -> None:
    """Run this benchmark alone without bench/run.py."""
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.people, args.import_rows = 1, 20_000, 5_000
    work = Path(tempfile.mkdtemp(prefix="bench-import-export-"))
    databases, mariadb = [], None
    for label in args.db.split(","):
        if label == "sqlite":
            databases.append(harness.Database("sqlite", f"sqlite:///{work / 'seeded.sqlite3'}"))
        else:
            mariadb = work / "mariadb"
            url = harness.start_mariadb(mariadb)
            databases.append(harness.Database("mariadb", harness.fresh_mariadb_database(url, "personas_ie_seeded")))
    ctx = harness.Context(work, databases, rounds=args.rounds, people=args.people, import_rows=args.import_rows)
    try:
        harness.report("import_export", run(ctx), {"rows": args.import_rows, "people": args.people})
    finally:
        if mariadb is not None:
            harness.stop_mariadb(mariadb)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if "--phase" in argv:
        parser = argparse.ArgumentParser()
        parser.add_argument("--phase", choices=["raw", "raw3", "export"], required=True)
        parser.add_argument("--url", required=True)
        parser.add_argument("--file")
        _phase_main(parser.parse_args(argv))
        return
    try:
        from bench.run import main as run_main
    except ImportError:
        _fallback_main(argv)
        return
    run_main(["--only", "import_export", *argv])


if __name__ == "__main__":
    main()
