"""Lists at depth: latency of page 1, of a page near the end, and of one person's addresses.

    python -m bench.lists [--db sqlite,mariadb] [--quick] ...   (the options of bench.run)

On the seeded people (bench.seed, shared with request_path) and the service (`personas serve`), wrk
with ctx.connections connections on each URL in turn, per round. Baseline: GET /people?page=1; every
other case is reported as a multiple of its latency. The deep page is measured two ways: `?page=N`
alone (OFFSET N*20: the cliff) and the `next_page_url` that page N-1 answers, which carries a keyset
`cursor` when the service has one (then a deep page should cost like page 1). If that URL carries no
cursor, the row says so and measures the URL as given. Page 1 and the deep page by cursor also run on
their floor (bench/floor.py), alternated with the service, with the server CPU per request of each.
"""

import json
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness, seed  # noqa: E402
from bench.request_path import capture, floor, service  # noqa: E402

AUTH = ROOT / "bench" / "lua" / "auth.lua"
PER_PAGE = 20  # the paginator's default
ADDRESSES = 50


def fetch(url: str, key: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())


def settle(server: harness.Server, limit: float = 120) -> None:
    """Wait until the server is idle: wrk stops sending at the end of a run, but the deep OFFSET
    queries it left in flight go on for seconds and would slow the next case down."""
    deadline, before = time.monotonic() + limit, server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = server.cpu_seconds()
        if now - before < 0.05:  # under 10% of a core: only the relay loop's polling is left
            return
        before = now


def cases(ctx, label: str, url: str, ids: list[str], base: str, key: str) -> tuple[dict, bool]:
    """URL of each case, and whether the deep page's next_page_url carries a cursor."""
    person = ids[len(ids) // 2]
    done = ctx.options.setdefault("addresses", set())
    if label not in done:  # once per seeded database
        seed.seed_addresses(url, person, ADDRESSES)
        done.add(label)
    # Second-to-last page: full, and as deep as OFFSET goes (POSTs of request_path add people too).
    deep = max(2, seed.count_people(url) // PER_PAGE - 1)
    following = fetch(f"{base}/api/v1/people?page={deep - 1}", key)["result"]["next_page_url"]
    has_cursor = bool(following) and "cursor" in parse_qs(urlsplit(following).query)
    found = {
        "GET /people?page=1": f"{base}/api/v1/people?page=1",
        f"GET /people?page={deep} (offset)": f"{base}/api/v1/people?page={deep}",
        f"GET /people page {deep} via next_page_url": following,
        f"GET /addresses?person_id (of {ADDRESSES})": f"{base}/api/v1/addresses?person_id={person}",
    }
    return found, has_cursor


def _floored(case: str, has_cursor: bool) -> bool:
    """Cases with a floor: page 1, and the deep page when its URL carries a cursor (a fixed query)."""
    return case.startswith("GET /people?page=1") or ("next_page_url" in case and has_cursor)


def run(ctx: harness.Context) -> list[dict]:
    rows = []
    for db in ctx.databases:
        url, ids = seed.seeded(ctx, db)
        folder = ctx.scratch(f"lists-{db.label}")
        key = seed.make_api_key(url)
        with service(ctx, url, folder) as server:
            server.wait()
            urls, has_cursor = cases(ctx, db.label, url, ids, server.url, key)
            floored = {case: urlsplit(target).query for case, target in urls.items() if _floored(case, has_cursor)}
            script = capture(ctx, url, key, ids, folder, lists=floored)
            runs = {case: [] for case in urls}
            floor_runs = {case: [] for case in floored}
            with floor(ctx, url, folder, script) as bare:
                bare.wait()
                for round_ in range(ctx.rounds):
                    for case, target in urls.items():
                        sides = [(server, target, runs)]
                        if case in floored:
                            sides.append((bare, bare.url + target[len(server.url) :], floor_runs))
                        for side, side_url, into in sides:
                            if round_ == 0:  # warm-up
                                harness.wrk(side_url, 1, ctx.connections, AUTH, env={"BENCH_KEY": key})
                                settle(side)
                            before = side.cpu_seconds()
                            found = harness.wrk(side_url, ctx.seconds, ctx.connections, AUTH, env={"BENCH_KEY": key})
                            found["cpu_us_per_req"] = (side.cpu_seconds() - before) * 1e6 / max(found["requests"], 1)
                            settle(side)
                            into[case].append(found)
                            print(
                                f"  {db.label} {case}{' floor' if side is bare else ''} round {round_ + 1}:"
                                f" {found['rps']:.0f} req/s, p50 {found['p50_ms']:.1f} ms,"
                                f" p99 {found['p99_ms']:.1f} ms,"
                                f" errors {found['non_2xx'] + found['socket_errors']}",
                                flush=True,
                            )
        first = None
        for case, found in runs.items():
            row = {"bench": "lists", "db": db.label, "case": case, "requests": sum(r["requests"] for r in found)}
            # wrk prints 0 ms latencies when no request ended within the run: that is no figure, not a fast one.
            answered = [r for r in found if r["requests"]]
            row["rps"] = round(harness.median(r["rps"] for r in found), 2)
            for figure in ("p50_ms", "p99_ms"):
                row[figure] = round(harness.median(r[figure] for r in answered), 2) if answered else None
            row["errors"] = sum(r["non_2xx"] + r["socket_errors"] for r in found)
            if len(answered) < len(found):
                row["note"] = f"{len(found) - len(answered)} of {len(found)} runs: no answer within {ctx.seconds} s"
            first = first or row
            for figure in ("p50", "p99"):
                mine, base = row[f"{figure}_ms"], first[f"{figure}_ms"]
                row[f"{figure}_x_page1"] = harness.ratio(mine, base) if mine is not None else None
            if "next_page_url" in case:
                row["cursor"] = "yes" if has_cursor else "no cursor"
            row["cpu_us_per_req"] = round(harness.median(r["cpu_us_per_req"] for r in found), 1)
            if floor_runs.get(case):
                bare_runs = floor_runs[case]
                row["floor_rps"] = round(harness.median(r["rps"] for r in bare_runs), 2)
                row["floor_cpu_us_per_req"] = round(harness.median(r["cpu_us_per_req"] for r in bare_runs), 1)
                row["floor_ratio"] = harness.ratio(row["rps"], row["floor_rps"])
                row["floor_cpu_ratio"] = harness.ratio(row["floor_cpu_us_per_req"], row["cpu_us_per_req"])
                row["floor_errors"] = sum(r["non_2xx"] + r["socket_errors"] for r in bare_runs)
            rows.append(row)
    return rows


if __name__ == "__main__":
    from bench.run import main

    sys.exit(main(["--only", "lists", *sys.argv[1:]]))
