"""The run's figures, from what the scenario recorded: requests by status and latency per phase, events in the
database, received and duplicated, faults with their recovery times, acknowledged writes lost.

`build(scenario)` returns a JSON-able dict (written to PERSONAS_CLUSTER_REPORT or cluster-report.json in the
run's folder); `lines(report)` is its readable summary, printed at the end of the pytest run.
"""

import json
import math
from collections import Counter
from pathlib import Path

from tests.cluster.harness import log_lines

# A request whose body was sent this long before SIGTERM was surely read by the server: it must be answered.
IN_FLIGHT_GRACE = 1.0


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def status_key(attempt) -> str:
    return str(attempt.status) if attempt.status is not None else f"no answer ({attempt.stage})"


def phase_of(scenario, when: float) -> str:
    name = "setup"
    for phase in scenario.phases:
        if when >= phase.start:
            name = phase.name
    return name


def by_phase(scenario) -> dict[str, list]:
    """Attempts by the phase in which they ended: a request in flight when a fault began is the fault's."""
    out: dict[str, list] = {p.name: [] for p in scenario.phases}
    for attempt in list(scenario.load.attempts if scenario.load else []):
        out.setdefault(phase_of(scenario, attempt.started + attempt.latency), []).append(attempt)
    return out


def chain(scenario, last) -> list[tuple]:
    """Every attempt of the operation `last` ended: (seconds from the first, process, status or error)."""
    prefix = last.request_id.rsplit("-", 1)[0] + "-"
    mine = sorted((a for a in scenario.load.attempts if a.request_id.startswith(prefix)), key=lambda a: a.started)
    first = mine[0].started if mine else last.started
    return [(round(a.started - first, 2), a.target, a.status or a.error) for a in mine]


def is_bad_5xx(attempt) -> bool:
    """A server error that is not a 503 telling when to come back."""
    if attempt.status is None or attempt.status < 500:
        return False
    return not (attempt.status == 503 and (attempt.retry_after or "").strip())


def _brief(attempt, scenario=None) -> dict:
    out = {
        "at": round(attempt.started, 3),
        "process": attempt.target,
        "op": attempt.op,
        "request": f"{attempt.method} {attempt.route}",
        "status": attempt.status,
        "retry_after": attempt.retry_after,
        "error": attempt.error,
        "stage": attempt.stage,
        "request_id": attempt.request_id,
        "attempt": attempt.attempt,
        "body": attempt.body,
    }
    if scenario is not None and attempt.target in scenario.serves:
        out["server_log"] = log_lines(scenario.serves[attempt.target].log, attempt.request_id)[-30:]
    return out


def sigterm_analysis(scenario, fault) -> dict:
    """The requests to the process that got SIGTERM, around it: answered, refused, or dropped."""
    if fault is None or fault.injected_at is None:
        return {}
    t = fault.injected_at
    exited = fault.notes.get("exited_at") or t + 30
    around = [
        a for a in scenario.load.attempts if a.target == "B" and a.started <= exited + 1 and a.started + a.latency >= t
    ]
    mid_response = [a for a in around if a.status is None and a.stage == "body"]
    dropped = [
        a
        for a in around
        if a.status is None
        and a.stage == "awaiting-response"
        and a.sent_at is not None
        and a.sent_at < t - IN_FLIGHT_GRACE
    ]
    tolerated = [a for a in around if a.status is None and a not in mid_response and a not in dropped]
    # When the unanswered requests had been sent, from SIGTERM (negative: before it).
    offsets = sorted(round(a.sent_at - t, 3) for a in tolerated if a.sent_at is not None)
    return {
        "answered_while_draining": len([a for a in around if a.status is not None and a.started + a.latency >= t]),
        "in_flight_at_sigterm": len([a for a in around if a.started < t]),
        "reset_mid_response": [_brief(a, scenario) for a in mid_response][:20],
        "dropped_in_flight": [_brief(a, scenario) for a in dropped][:20],
        "refused_or_closed_before_taken": len(tolerated),
        "unanswered_sent_at_from_sigterm_s": offsets if len(offsets) <= 10 else [*offsets[:5], "...", *offsets[-5:]],
        "refused_or_closed_examples": Counter((a.stage, (a.error or "").split(":")[0]) for a in tolerated).most_common(
            5
        ),
    }


def _first_received(scenario) -> dict[str, float]:
    first: dict[str, float] = {}
    for r in scenario.receiver.snapshot():
        wid = r["webhook_id"]
        if wid and (wid not in first or r["time"] < first[wid]):
            first[wid] = r["time"]
    return first


def _ready(scenario, process: str, since: float, until: float | None = None) -> dict:
    """Readiness of a process from `since`: its non-200 answers and when it was 200 again."""
    samples = [
        (t, status)
        for t, name, path, status in list(scenario.monitor)
        if name == process and path == "/health/ready" and t >= since and (until is None or t <= until)
    ]
    bad = [(t, s) for t, s in samples if s != 200]
    out = {"samples": len(samples), "not_ready": len(bad), "statuses": dict(Counter(str(s) for _, s in samples))}
    if bad:
        last_bad = bad[-1][0]
        again = [t for t, s in samples if s == 200 and t > last_bad]
        out["ready_again_s"] = round(again[0] - since, 2) if again else None
    return out


def recovery(scenario, fault, first_received: dict[str, float]) -> dict:
    if fault.injected_at is None:
        return {}
    t = fault.injected_at
    phase = next((p for p in scenario.phases if p.name == fault.phase), None)
    end = phase.fault_end if phase and phase.fault_end else t + 60
    # Requests in flight at the fault count as its failures; a success counts only if begun after it.
    attempts = [a for a in scenario.load.attempts if a.started <= end and a.started + a.latency >= t]

    def first_ok_write(target=None):
        done = [
            a.started + a.latency
            for a in attempts
            if a.write and a.status in (200, 201) and a.started >= t and (target is None or a.target == target)
        ]
        return round(min(done) - t, 3) if done else None

    def failures(target=None):
        bad = [a for a in attempts if (a.status is None or a.status >= 500) and (target is None or a.target == target)]
        return {
            "count": len(bad),
            "last_s": round(max(a.started + a.latency for a in bad) - t, 3) if bad else None,
        }

    after = [
        first_received[e] for e, (_n, created, *_r) in scenario.events.items() if created >= t and e in first_received
    ]
    out = {
        "first_ok_write_s": first_ok_write(),
        "first_ok_write_A_s": first_ok_write("A"),
        "first_ok_write_B_s": first_ok_write("B"),
        "failed_attempts": failures(),
        "failed_attempts_A": failures("A"),
        "failed_attempts_B": failures("B"),
        "first_webhook_for_new_event_s": round(min(after) - t, 3) if after else None,
        "ready_A": _ready(scenario, "A", t, end),
        "ready_B": _ready(scenario, "B", t, end),
    }
    if fault.repaired_at and fault.repair_started:
        out["repair_s"] = round(fault.repaired_at - fault.repair_started, 2)
    if fault.kind == "serve":
        exited = fault.notes.get("exited_at")
        out["drain_s"] = round(exited - t, 2) if exited else None
        out["down_until_serving_s"] = round(fault.repaired_at - t, 2) if fault.repaired_at else None
    if fault.kind == "worker" and fault.repair_started:
        # Events recorded while the killed worker was down (and after its leases could matter): the other
        # worker alone delivers them, before the killed one is started again.
        window = [
            e
            for e, (name, created, *_r) in scenario.events.items()
            if t + 1 <= created <= fault.repair_started - 5
            and any(name in c["events"] for c in scenario.channels.values())
        ]
        late = [e for e in window if first_received.get(e, math.inf) > fault.repair_started]
        out["events_while_down"] = len(window)
        out["events_while_down_not_delivered_before_restart"] = late[:20]
        out["events_while_down_not_delivered_count"] = len(late)
    return out


def build(scenario) -> dict:
    report: dict = {
        "started": scenario.started,
        "setup_s": round(scenario.setup_done - scenario.started, 2) if scenario.setup_done else None,
        "duration_s": round((scenario.finished or scenario.setup_done or scenario.started) - scenario.started, 2),
        "config": {k: (sorted(v) if isinstance(v, frozenset) else v) for k, v in vars(scenario.config).items()},
        "cluster_status_at_start": scenario.cluster_status[-2000:],
        "phases": [],
        "faults": [],
    }
    try:
        from tests.cluster.scenario import describe

        report["processes"] = describe(scenario)
    except Exception as exc:  # noqa: BLE001 - a report is written whatever failed
        report["processes"] = repr(exc)
    if scenario.load is None:
        return report
    grouped = by_phase(scenario)
    for phase in scenario.phases:
        attempts = grouped.get(phase.name, [])
        answered = [a.latency * 1000 for a in attempts if a.status is not None]
        finals = [a for a in attempts if a.final]
        report["phases"].append(
            {
                "name": phase.name,
                "start": round(phase.start, 3),
                "end": round(phase.end or phase.start, 3),
                "seconds": round((phase.end or phase.start) - phase.start, 2),
                "load_seconds": round((phase.fault_end or phase.start) - phase.start, 2),
                "requests": len(attempts),
                "operations": len(finals),
                "abandoned": len([a for a in finals if not _settled(a)]),
                "by_status": dict(sorted(Counter(status_key(a) for a in attempts).items())),
                "by_process": dict(Counter(a.target for a in attempts)),
                "writes": len([a for a in attempts if a.write]),
                "p50_ms": _round(percentile(answered, 0.50)),
                "p99_ms": _round(percentile(answered, 0.99)),
                "max_ms": _round(max(answered) if answered else None),
                "server_errors": [_brief(a, scenario) for a in attempts if is_bad_5xx(a)][:10],
                "server_error_count": len([a for a in attempts if is_bad_5xx(a)]),
                "errors": phase.errors,
                "checks": phase.checks,
            }
        )
    first = _first_received(scenario)
    for fault in scenario.faults:
        entry = {
            "kind": fault.kind,
            "what": fault.what,
            "phase": fault.phase,
            "injected_at": fault.injected_at,
            "error": fault.error,
            "skipped": fault.skipped,
            "notes": fault.notes,
            "recovery": recovery(scenario, fault, first),
        }
        if fault.kind == "serve":
            entry["sigterm"] = sigterm_analysis(scenario, fault)
        report["faults"].append(entry)
    final = scenario.final
    report["events"] = {
        "in_db": final.get("events_in_db"),
        "expected_deliveries": final.get("events_expected"),
        "received": final.get("webhooks_received"),
        "received_distinct": final.get("webhooks_distinct"),
        "redelivered_same_webhook_id": final.get("redelivered_same_id"),
        "duplicated_events": len(final.get("duplicate_events", [])),
        "missing": final.get("events_missing_count"),
        "phantom": final.get("phantom_count"),
        "bad_signatures": final.get("bad_signature_count"),
        "deliveries_failed": final.get("deliveries_failed"),
        "outbox_pending_at_end": final.get("outbox_pending"),
        "drain_s": final.get("drain_s"),
    }
    report["writes"] = {
        "people_attempted": final.get("people_attempted"),
        "people_acknowledged": final.get("people_acked"),
        "addresses_acknowledged": final.get("addresses_acked"),
        "contacts_acknowledged": final.get("contacts_acked"),
        "acknowledged_lost": final.get("lost_count"),
        "unreadable": final.get("unreadable_count"),
        "stale_reads": final.get("stale_read_count"),
        "creates_retried": final.get("creates_retried"),
        "creates_retried_acknowledged": final.get("creates_retried_acked"),
        "creates_retried_acknowledged_one_person": final.get("creates_retried_one_person"),
        "duplicates": final.get("duplicate_count"),
    }
    hot = [a for a in scenario.load.attempts if a.op == "update_hot"]
    report["hot_person_updates"] = {
        "attempts_by_status": dict(Counter(status_key(a) for a in hot)),
        "operations": len([a for a in hot if a.final]),
        "final_reads": final.get("hot"),
    }
    report["attempts_file"] = str(scenario.folder / "attempts.jsonl")
    report["logs"] = sorted(str(p) for p in scenario.folder.glob("*.log"))
    report["readiness_unanswered"] = dict(
        Counter(name for _t, name, path, status in scenario.monitor if path == "/health/ready" and status is None)
    )
    report["strays_killed_at_stop"] = scenario.strays
    report["stuck_clients"] = scenario.stuck_clients
    report["client_errors"] = scenario.client_errors
    report["final"] = final
    return report


def _settled(attempt) -> bool:
    """Whether the last attempt of an operation is an answer the client could act on."""
    return attempt.status is not None and attempt.status not in (409, 500, 502, 503, 504)


def _round(value):
    return None if value is None else round(value, 1)


def write(report: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str))


def lines(report: dict) -> list[str]:
    out = [f"cluster run: {report.get('duration_s')} s (setup {report.get('setup_s')} s)"]
    if report.get("setup_error"):
        out.append(f"SETUP FAILED: {report['setup_error']}")
    out.append(f"{'phase':<14} {'reqs':>6} {'ops':>5} {'aband':>5} {'p50ms':>7} {'p99ms':>8} {'5xx!':>4}  by status")
    for p in report.get("phases", []):
        statuses = " ".join(f"{k}:{v}" for k, v in p["by_status"].items())
        out.append(
            f"{p['name']:<14} {p['requests']:>6} {p['operations']:>5} {p['abandoned']:>5} "
            f"{_fmt(p['p50_ms']):>7} {_fmt(p['p99_ms']):>8} {p['server_error_count']:>4}  {statuses}"
        )
        checks = p.get("checks", {})
        if checks.get("not_readable") or checks.get("events_missing") or p.get("errors"):
            out.append(
                f"  checks: not readable {len(checks.get('not_readable', []))}, events missing "
                f"{len(checks.get('events_missing', []))}, errors {p.get('errors')}"
            )
    for f in report.get("faults", []):
        state = f"SKIPPED ({f['skipped']})" if f.get("skipped") else (f"ERROR {f['error']}" if f.get("error") else "ok")
        r = f.get("recovery", {})
        keys = (
            "first_ok_write_s",
            "first_ok_write_A_s",
            "first_ok_write_B_s",
            "first_webhook_for_new_event_s",
            "repair_s",
            "drain_s",
            "down_until_serving_s",
        )
        figures = ", ".join(f"{k}={r[k]}" for k in keys if r.get(k) is not None)
        out.append(f"fault {f['kind']:<7} {state}: {figures}")
        if f.get("sigterm"):
            s = f["sigterm"]
            out.append(
                f"  sigterm: in flight {s.get('in_flight_at_sigterm')}, answered while draining "
                f"{s.get('answered_while_draining')}, reset mid-response {len(s.get('reset_mid_response', []))}, "
                f"dropped in flight {len(s.get('dropped_in_flight', []))}, refused/closed before taken "
                f"{s.get('refused_or_closed_before_taken')}"
            )
    if "events" in report:
        e = report["events"]
        out.append(
            f"events: in db {e['in_db']}, deliveries expected {e['expected_deliveries']}, received {e['received']} "
            f"({e['received_distinct']} distinct), redelivered same id {e['redelivered_same_webhook_id']}, duplicated "
            f"{e['duplicated_events']}, missing {e['missing']}, phantom {e['phantom']}, bad signatures "
            f"{e['bad_signatures']}, drain {e['drain_s']} s"
        )
    if "writes" in report:
        w = report["writes"]
        out.append(
            f"writes: people acknowledged {w['people_acknowledged']}, addresses {w['addresses_acknowledged']}, "
            f"contacts {w['contacts_acknowledged']}; LOST {w['acknowledged_lost']}, unreadable {w['unreadable']}, "
            f"stale reads {w['stale_reads']}, creates retried {w['creates_retried']} (acknowledged "
            f"{w['creates_retried_acknowledged']}, one person each: {w['creates_retried_acknowledged_one_person']}), "
            f"duplicates {w['duplicates']}"
        )
    if report.get("hot_person_updates"):
        h = report["hot_person_updates"]
        out.append(f"hot person: {h['operations']} renames, attempts by status {h['attempts_by_status']}")
    if report.get("setup_error") is None and report.get("readiness_unanswered"):
        out.append(f"readiness probes unanswered within 5 s: {report['readiness_unanswered']}")
    if report.get("path"):
        out.append(f"report: {report['path']} (logs and attempts.jsonl beside it)")
    return out


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.1f}"
