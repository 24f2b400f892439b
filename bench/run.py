"""Run the benchmarks: `python -m bench.run [--only a,b] [--db sqlite,mariadb] [--rounds N] [--seconds S]
[--people N] [--import-rows N] [--quick]`.

Starts one throw-away MariaDB (when asked for) and one Redis (for `events`), gives each benchmark
fresh databases, prints each table, writes each as JSON under bench/results/ plus a combined
`all-*.json`, and stops everything it started, also on Ctrl-C. Not part of the test command.
"""

import argparse
import importlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

MODULES = ("request_path", "lists", "import_export", "events")
DATABASES = ("sqlite", "mariadb")
# A smoke run: every step taken, sizes small.
QUICK = {"people": 20_000, "import_rows": 5_000, "rounds": 1, "seconds": 3}
# The scripts' server is sized for tests (64 MB buffer pool, 16 MB redo log): loading a million people
# then thrashes its disk. Our own throw-away server gets room, as a production one would have.
MARIADB_TUNING = "SET GLOBAL innodb_buffer_pool_size = 1073741824; SET GLOBAL innodb_log_file_size = 536870912"


def parse(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[1])
    parser.add_argument("--only", default=",".join(MODULES), help="benchmarks to run, comma-separated")
    parser.add_argument("--db", default=",".join(DATABASES), help="databases: sqlite, mariadb or both")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per figure (the median is reported)")
    parser.add_argument("--seconds", type=int, default=10, help="length of one load-generator run")
    parser.add_argument("--people", type=int, default=1_000_000, help="people seeded for request_path and lists")
    parser.add_argument("--import-rows", type=int, default=100_000, help="CSV rows for import_export")
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run: " + str(QUICK))
    args = parser.parse_args(argv)
    if args.quick:
        vars(args).update(QUICK)
    args.only = [m for m in args.only.split(",") if m]
    args.db = [d for d in args.db.split(",") if d]
    unknown = set(args.only) - set(MODULES) | set(args.db) - set(DATABASES)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    return args


def load(name: str):
    """The benchmark module, or None (said why) when it is not written yet."""
    try:
        module = importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"bench.{name}":
            raise  # a missing dependency of an existing benchmark is a real error
        print(f"skipping {name}: bench/{name}.py does not exist yet", flush=True)
        return None
    if not callable(getattr(module, "run", None)):
        print(f"skipping {name}: bench/{name}.py has no run(ctx)", flush=True)
        return None
    return module


def tune_mariadb(folder: Path) -> None:
    client = shutil.which("mariadb") or shutil.which("mysql") or "mariadb"
    done = subprocess.run([client, f"--defaults-file={folder / 'my.cnf'}", "-e", MARIADB_TUNING], capture_output=True)
    if done.returncode:
        print(f"note: could not enlarge the MariaDB buffers: {done.stderr.decode().strip()}", flush=True)


def databases(work: Path, labels: list[str], module: str, mariadb_url: str | None) -> list[harness.Database]:
    """Fresh, empty databases for one benchmark."""
    found = []
    for label in labels:
        if label == "sqlite":
            found.append(harness.Database(label, f"sqlite:///{work / f'{module}.sqlite3'}"))
        else:
            # The scripts' user may create databases whose names start with "personas".
            found.append(harness.Database(label, harness.fresh_mariadb_database(mariadb_url, f"personas_{module}")))
    return found


def main(argv=None) -> int:
    args = parse(argv)
    harness.ensure_wrk()
    work = Path(tempfile.mkdtemp(prefix="personas-bench-"))
    meta = {k: getattr(args, k) for k in ("only", "db", "rounds", "seconds", "people", "import_rows")}
    stops, all_rows, options = [], [], {"quick": args.quick}
    began = time.monotonic()
    try:
        mariadb_url = redis_url = None
        if "mariadb" in args.db:
            folder = work / "mariadb"
            stops.append(lambda: harness.stop_mariadb(folder))
            mariadb_url = harness.start_mariadb(folder)
            tune_mariadb(folder)
        if "events" in args.only:
            redis_folder = work / "redis"
            stops.append(lambda: harness.stop_redis(redis_folder))
            redis_url = harness.start_redis(redis_folder)
        for name in (m for m in MODULES if m in args.only):
            module = load(name)
            if module is None:
                continue
            print(f"\n# {name}", flush=True)
            ctx = harness.Context(
                work=work,
                databases=databases(work, args.db, name, mariadb_url),
                rounds=args.rounds,
                seconds=args.seconds,
                people=args.people,
                import_rows=args.import_rows,
                redis_url=redis_url,
                options=options,  # shared: request_path and lists use one seeded database per backend
            )
            rows = module.run(ctx)
            harness.report(name, rows, meta)
            all_rows += rows
        meta["minutes"] = round((time.monotonic() - began) / 60, 1)
        harness.report("all", all_rows, meta)
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: stopping what was started", flush=True)
        return 130
    finally:
        for stop in reversed(stops):
            stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
