"""Name screening: index build time and time to screen one person against a 20,000-entry watch list.

    python -m bench.screening [--entries N] [--people N] [--rounds N]

In this process, on one core: the generated Mexican list of tests/screening_data.py (20,000 entries, with
aliases, companies, CURPs and RFCs) indexed by `personas.domain.screening.Screener` (build time per
round), then N people screened one at a time at DEFAULT_MIN_SCORE, cycling through the labelled set
(listed people's variants: typos, nicknames, left-out surnames, ...; and people not listed), in a
shuffled order. Reported: median and p99 of one person's screening, people per second, and the index
build time, each the median over rounds. The screener remembers each name token's look-up over the
vocabulary for the next people; "cold" figures forget them before each person (the worst case: every
token new), "warm" ones keep them (a stream of customers, whose names repeat). No baseline: nothing else
does this work in the service.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from personas.domain.screening import DEFAULT_MIN_SCORE, Entry, Screener, normalize  # noqa: E402
from tests.screening_data import labelled_queries, watch_list  # noqa: E402

ENTRIES = 20_000
PEOPLE = 5_000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def foreign(count: int) -> list[Entry]:
    """Entries named with made-up words: a vocabulary as large and as varied as international lists'
    transliterations, which the Mexican pools alone do not give (about 2.5 new tokens per entry)."""
    rng = random.Random(count)

    def word() -> str:
        return "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUVYZ") for _ in range(rng.randint(4, 10)))

    return [Entry("foreign", f"F{i}", (f"{word()} {word()} {word()}", f"{word()}, {word()}")) for i in range(count)]


def one_round(entries, queries, people: int, seed: int) -> dict:
    began = time.perf_counter()
    screener = Screener(entries)
    build = time.perf_counter() - began
    order = [queries[i % len(queries)] for i in range(people)]
    random.Random(seed).shuffle(order)
    found = {"build_s": build}
    for label, forget in (("cold", True), ("warm", False)):
        times, candidates = [], 0
        for query in order:
            if forget:
                screener._similar_cached.cache_clear()  # outside the timing: what a new token costs
            began = time.perf_counter()
            matches = screener.screen(query.name, query.first_lastname, query.second_lastname, query.curp, query.rfc)
            times.append(time.perf_counter() - began)
            candidates += len(matches)
        found[f"{label}_p50_ms"] = statistics.median(times) * 1000
        found[f"{label}_p99_ms"] = percentile(times, 0.99) * 1000
        found[f"{label}_max_ms"] = max(times) * 1000
        found[f"{label}_people_per_s"] = people / sum(times)
        found["candidates"] = candidates
    return found


def run(ctx: harness.Context) -> list[dict]:
    size = ctx.options.get("screening_entries", ENTRIES)
    people = ctx.options.get("screening_people", PEOPLE)
    began = time.perf_counter()
    entries = watch_list(size) + foreign(ctx.options.get("screening_foreign", 0))
    queries = labelled_queries(size)
    generated = time.perf_counter() - began
    rounds = []
    for round_no in range(ctx.rounds):
        found = one_round(entries, queries, people, seed=round_no)
        print(
            f"  round {round_no + 1}: build {found['build_s']:.2f} s, cold p50 {found['cold_p50_ms']:.2f} ms,"
            f" p99 {found['cold_p99_ms']:.2f} ms; warm p50 {found['warm_p50_ms']:.2f} ms,"
            f" p99 {found['warm_p99_ms']:.2f} ms",
            flush=True,
        )
        rounds.append(found)
    positives = sum(q.positive for q in queries)
    row = {
        "bench": "screening",
        "entries": len(entries),
        "distinct_tokens": len({token for e in entries for name in e.names for token in normalize(name).split()}),
        "names_indexed": sum(len(e.names) for e in entries),
        "people": people,
        "mix": f"{positives} listed variants + {len(queries) - positives} unlisted, cycled",
        "min_score": DEFAULT_MIN_SCORE,
        "list_generation_s": round(generated, 2),
    }
    figures = [f"{label}_{figure}" for label in ("cold", "warm") for figure in ("p50_ms", "p99_ms", "max_ms")]
    for figure in ("build_s", *figures, "cold_people_per_s", "warm_people_per_s"):
        row[figure] = round(harness.median(r[figure] for r in rounds), 3)
    row["candidates_per_person"] = round(rounds[0]["candidates"] / people, 3)
    return [row]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.screening", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=ENTRIES, help="entries of the generated list")
    parser.add_argument("--people", type=int, default=PEOPLE, help="people screened per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (the median is reported)")
    parser.add_argument("--foreign", type=int, default=0, help="also list N entries of random made-up names")
    args = parser.parse_args(argv)
    ctx = harness.Context(
        work=ROOT / "bench" / "results",
        databases=[],
        rounds=args.rounds,
        options={"screening_entries": args.entries, "screening_people": args.people, "screening_foreign": args.foreign},
    )
    meta = {"entries": args.entries, "people": args.people, "rounds": args.rounds, "foreign": args.foreign}
    harness.report("screening", run(ctx), meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
