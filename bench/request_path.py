"""Request path: GET /people/{id} and POST /people on the service, against the same handlers on plain
Flask and against their floor (bench/floor.py: the service's own SQL with the DB-API and orjson).

    python -m bench.request_path [--db sqlite,mariadb] [--quick] ...   (the options of bench.run)

Per database: the seeded people (bench.seed), the service (`personas serve`, uvicorn) and the baseline
(bench/flask_app.py under gunicorn sync workers) up side by side on the same database with the same
number of workers, then per round each case on the service and then on the baseline (A B A B ...), so
the machine's noise falls on all three. wrk with ctx.connections connections: GET draws random ids among
the seeded people, POST sends CURPs no run has sent before. Server CPU per request comes from the
CPU time of the server's processes over the run.
"""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness, seed  # noqa: E402

LUA = ROOT / "bench" / "lua"
SAMPLED_IDS = 100_000
THREADS = 2  # wrk threads (harness.wrk's default); the POST script splits its CURPs among them
POST_CEILING = 4_000  # requests/s no POST run reaches here: the CURP file is sized from it
FIGURES = ("rps", "p50_ms", "p99_ms", "cpu_us_per_req")


def _env(url: str, folder: Path) -> dict:
    return {
        "PERSONAS_DATABASE_URL": url,
        # One key drives the whole load: the limiter still counts every request, it just never refuses.
        "PERSONAS_RATE_LIMIT": "1000000000/minute",
        "PERSONAS_SECRET_KEY": "bench-secret",
        "PERSONAS_STORAGE_URL": str(folder / "files"),
        "PERSONAS_LOCAL_OUTBOX": str(folder / "outbox"),
    }


def service(ctx, url: str, folder: Path) -> harness.Server:
    """`personas serve` (uvicorn) with ctx.workers workers on that database."""
    port = harness.free_port()
    argv = ["-m", "personas.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(ctx.workers)]
    return harness.Server([harness.PYTHON, *argv], port, _env(url, folder), health="/api/v1/health")


def baseline(ctx, url: str, folder: Path) -> harness.Server:
    """bench/flask_app.py under gunicorn sync workers, as many as the service has, same database."""
    port = harness.free_port()
    argv = ["-m", "gunicorn", "-k", "sync", "-w", str(ctx.workers), "-b", f"127.0.0.1:{port}"]
    argv += ["--log-level", "warning", "bench.flask_app:create()"]
    return harness.Server([harness.PYTHON, *argv], port, _env(url, folder), health="/health")


def capture(ctx, url: str, key: str, ids: list[str], folder: Path, lists: dict | None = None) -> Path:
    """The floor's script: the statements the service issues for each case, captured on this database."""
    (folder / "capture-ids.txt").write_text("\n".join(ids[:3]))
    number = ctx.options["curp_runs"] = ctx.options.get("curp_runs", 0) + 1
    (folder / "capture-curps.txt").write_text("\n".join(seed.unused_curps(3, 10_000 + number)))
    out = folder / "floor-script.json"
    argv = ["-m", "bench.floor", "capture", url, key, str(folder / "capture-ids.txt")]
    argv += [str(folder / "capture-curps.txt"), str(out), json.dumps(lists or {})]
    subprocess.run([harness.PYTHON, *argv], check=True, cwd=ROOT, env=os.environ | _env(url, folder))
    return out


def floor(ctx, url: str, folder: Path, script: Path) -> harness.Server:
    """bench/floor_app.py under uvicorn (httptools, the loop uvicorn picks), as many workers as the service."""
    port = harness.free_port()
    argv = ["-m", "uvicorn", "--factory", "bench.floor_app:create", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--workers", str(ctx.workers), "--http", "httptools", "--no-access-log", "--log-level", "warning"]
    env = _env(url, folder) | {"FLOOR_SCRIPT": str(script), "FLOOR_DATABASE_URL": url}
    return harness.Server([harness.PYTHON, *argv], port, env, health="/health", cwd=ROOT)


def measure(server: harness.Server, seconds: int, connections: int, script: Path, env: dict) -> dict:
    """One wrk run, with the server's CPU time per request over it."""
    before = server.cpu_seconds()
    found = harness.wrk(server.url + "/", seconds, connections, script, threads=THREADS, env=env)
    found["cpu_us_per_req"] = (server.cpu_seconds() - before) * 1e6 / max(found["requests"], 1)
    return found


def curp_file(ctx, folder: Path) -> Path:
    """A file of CURPs that neither the seed nor any earlier POST run of this process has used."""
    number = ctx.options["curp_runs"] = ctx.options.get("curp_runs", 0) + 1
    path = folder / f"curps-{number}.txt"
    path.write_text("\n".join(seed.unused_curps(max(20_000, ctx.seconds * POST_CEILING), number)) + "\n")
    return path


def one_run(ctx, server, seconds: int, case: str, script: Path, env: dict, folder: Path) -> dict:
    """One run of a case; every POST run, warm-ups too, gets CURPs never sent before."""
    if case.startswith("POST"):
        env = env | {"BENCH_CURPS": str(curp_file(ctx, folder))}
    return measure(server, seconds, ctx.connections, script, env)


SIDES = (("service", ""), ("baseline", "baseline_"), ("floor", "floor_"))


def summary(db: str, case: str, runs: dict) -> dict:
    """Medians of the rounds for the service, the baseline and the floor, and how they compare."""
    row = {"bench": "request_path", "db": db, "case": case}
    for side, prefix in SIDES:
        if not runs.get(side):
            continue
        for figure in FIGURES:
            row[prefix + figure] = round(harness.median(r[figure] for r in runs[side]), 2)
        row[prefix + "p99/p50"] = harness.ratio(row[prefix + "p99_ms"], row[prefix + "p50_ms"])
        # A run with failed requests is not a result: the errors are shown, to be investigated.
        row[prefix + "errors"] = sum(r["non_2xx"] + r["socket_errors"] for r in runs[side])
    row["ratio"] = harness.ratio(row["rps"], row["baseline_rps"])
    # CPU spent per request is less bent than rps by other load on a shared machine (which favours the
    # side with more threads): the baseline's CPU per request over ours, > 1 when ours spends less.
    row["cpu_ratio"] = harness.ratio(row["baseline_cpu_us_per_req"], row["cpu_us_per_req"])
    if runs.get("floor"):
        row["floor_ratio"] = harness.ratio(row["rps"], row["floor_rps"])
        row["floor_cpu_ratio"] = harness.ratio(row["floor_cpu_us_per_req"], row["cpu_us_per_req"])
    return row


def run(ctx: harness.Context) -> list[dict]:
    rows = []
    for db in ctx.databases:
        url, ids = seed.seeded(ctx, db)
        folder = ctx.scratch(f"request_path-{db.label}")
        id_file = folder / "ids.txt"
        id_file.write_text("\n".join(random.Random(5).sample(ids, min(SAMPLED_IDS, len(ids)))) + "\n")
        key = seed.make_api_key(url)
        env = {"BENCH_KEY": key, "BENCH_IDS": str(id_file), "BENCH_THREADS": str(THREADS)}
        cases = {"GET /people/{id}": LUA / "get_person.lua", "POST /people": LUA / "post_person.lua"}
        runs = {case: {"service": [], "baseline": [], "floor": []} for case in cases}
        script = capture(ctx, url, key, ids, folder)
        with (
            service(ctx, url, folder) as ours,
            baseline(ctx, url, folder) as theirs,
            floor(ctx, url, folder, script) as bare,
        ):
            ours.wait(), theirs.wait(), bare.wait()
            for round_ in range(ctx.rounds):
                for case, script in cases.items():
                    for side, server in (("service", ours), ("baseline", theirs), ("floor", bare)):
                        if round_ == 0:  # warm-up: connection pools, caches, first imports
                            one_run(ctx, server, 1, case, script, env, folder)
                        found = one_run(ctx, server, ctx.seconds, case, script, env, folder)
                        runs[case][side].append(found)
                        print(
                            f"  {db.label} {case} {side} round {round_ + 1}: {found['rps']:.0f} req/s,"
                            f" p50 {found['p50_ms']:.1f} ms, p99 {found['p99_ms']:.1f} ms,"
                            f" errors {found['non_2xx'] + found['socket_errors']}",
                            flush=True,
                        )
        rows += [summary(db.label, case, runs[case]) for case in cases]
    return rows


if __name__ == "__main__":
    from bench.run import main

    sys.exit(main(["--only", "request_path", *sys.argv[1:]]))
