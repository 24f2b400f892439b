"""`personas conformance`: the checks of `personas.conformance.checks` against any deployment.

`run` makes the world on the deployment through its API, then runs Schemathesis' engine (examples,
coverage, fuzzing and the stateful phase along the spec's links) with those checks, the world's values
put into the cases by a `before_call` hook; `write_junit` and `Report.summary` give its results.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from personas.conformance.checks import ADDED, CURRENT_WORLD, NARROWED
from personas.conformance.world import API_PREFIX, World

SPEC_PATH = API_PREFIX + "/openapi.json"


class _Remote:
    """The world's way into a deployment: requests with the key, every path under the base URL."""

    def __init__(self, base: str, key: str, timeout: float = 30):
        import requests

        self.base, self.timeout = base, timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def request(self, method: str, url: str, **kwargs):
        return self.session.request(method, self.base + url, timeout=self.timeout, **kwargs)


@dataclass
class Report:
    """What a conformance run found: the figures of its summary, and each failure's operation and title."""

    seconds: float = 0.0
    cases: int = 0
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    scenarios: list[dict] = field(default_factory=list)
    stopped: str = ""

    @property
    def succeeded(self) -> list[str]:
        return sorted(label for label, found in self.statuses.items() if found.get("2xx"))

    def summary(self) -> dict:
        return {
            "seconds": round(self.seconds, 1),
            "cases": self.cases,
            "operations": len(self.statuses),
            "operations_with_2xx": len(self.succeeded),
            "failures": len(self.failures),
            "errors": len(self.errors),
            "stopped": self.stopped,
            "statuses": self.statuses,
            "failed": self.failures,
        }


def base_of(url: str) -> str:
    """The deployment's origin, given it or its API root (`http://host:8000` or `http://host:8000/api/v1`)."""
    url = url.rstrip("/")
    return url[: -len(API_PREFIX)] if url.endswith(API_PREFIX) else url


def _narrowed(check, name: str):
    def narrowed(ctx, response, case):
        return check(ctx, response, case)

    narrowed.__name__ = narrowed.__qualname__ = name
    narrowed.__doc__ = check.__doc__
    return narrowed


def run(
    base_url: str,
    key: str,
    max_examples: int = 10,
    max_seconds: float = 900,
    seed: int = 20250101,
    phases: tuple[str, ...] = ("examples", "coverage", "fuzzing", "stateful"),
    progress: Callable[[str], None] = lambda line: None,
) -> Report:
    """Build a world on the deployment at `base_url`, then run Schemathesis with this API's checks against
    it: `max_examples` cases per operation and phase, stopped after `max_seconds` whatever is left."""
    import threading

    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import events
    from schemathesis.hooks import GLOBAL_HOOK_DISPATCHER

    base = base_of(base_url)
    started = time.monotonic()
    report = Report()
    progress(f"making the records the cases use on {base} ...")
    world = World.build(_Remote(base, key), seed=seed)
    CURRENT_WORLD[:] = [world]
    config = SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "auth": {"openapi": {"bearerAuth": {"bearer": key}}},
            "generation": {"mode": "all", "max-examples": max_examples, "database": "none"},
            "phases": {
                **{name: {"enabled": name in phases} for name in ("examples", "coverage", "fuzzing")},
                # The spec's links only: the flows it documents, not the ones guessed from field names.
                "stateful": {"enabled": "stateful" in phases, "inference": {"algorithms": []}},
            },
            "checks": {name: {"enabled": False} for name in NARROWED},
            "workers": 1,
        }
    )
    schema = schemathesis.openapi.from_url(base + SPEC_PATH, config=config, timeout=30)

    def before_call(context, case, kwargs):
        # What the world puts in fits the schema (ids, good values, files): it is judged as generated.
        world.prepare(case)

    def after_call(context, case, response):
        found = report.statuses.setdefault(case.operation.label, {})
        status = f"{response.status_code // 100}xx"
        found[status] = found.get(status, 0) + 1
        report.cases += 1

    # A narrowed check is registered under a name of its own: the shipped one keeps its name, disabled.
    registered = [
        schemathesis.check(_narrowed(check, f"{check.__name__}_narrowed") if check.__name__ in NARROWED else check)
        for check in ADDED
    ]
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(before_call, "before_call")
    GLOBAL_HOOK_DISPATCHER.register_hook_with_name(after_call, "after_call")
    stream = schemathesis.engine.from_schema(schema).execute()
    budget = max(1.0, max_seconds - (time.monotonic() - started))
    timer = threading.Timer(budget, stream.stop)
    timer.start()
    try:
        for event in stream:
            if isinstance(event, events.ScenarioFinished):
                report.scenarios.append(_scenario(event))
                for failure in report.scenarios[-1]["failures"]:
                    report.failures.append({"operation": event.recorder.label, **failure})
                progress(f"{event.phase.value:9s} {event.recorder.label}: {event.status.value}")
            elif isinstance(event, events.NonFatalError):
                report.errors.append({"operation": event.label, "error": str(event.value)[:500]})
            elif isinstance(event, events.FatalError):
                report.errors.append({"operation": "", "error": str(event.exception)[:500]})
            elif isinstance(event, events.EngineFinished):
                report.stopped = event.stop_reason.value
    finally:
        timer.cancel()
        GLOBAL_HOOK_DISPATCHER.unregister(before_call)
        GLOBAL_HOOK_DISPATCHER.unregister(after_call)
        from schemathesis.checks import CHECKS

        for check in registered:
            CHECKS.unregister(check.__name__)
        CURRENT_WORLD.clear()
    report.seconds = time.monotonic() - started
    return report


def _scenario(event) -> dict:
    """A finished scenario (one operation in one phase): its checks' distinct failures."""
    failures, seen = [], set()
    for case_id, nodes in event.recorder.checks.items():
        for node in nodes:
            if node.failure_info is None:
                continue
            failure = node.failure_info.failure
            key = (node.name, failure.title)
            if key in seen:
                continue
            seen.add(key)
            interaction = event.recorder.interactions.get(case_id)
            answer = getattr(interaction, "response", None)
            failures.append(
                {
                    "check": node.name,
                    "title": failure.title,
                    "message": (failure.message or "")[:2000],
                    "status": getattr(answer, "status_code", None),
                    "answer": (getattr(answer, "content", b"") or b"")[:2000].decode("utf-8", "replace"),
                    "reproduce": node.failure_info.code_sample[:4000],
                }
            )
    return {
        "phase": event.phase.value,
        "operation": event.recorder.label,
        "status": event.status.value,
        "seconds": round(event.elapsed_time, 3),
        "cases": len(event.recorder.cases),
        "skip_reason": event.skip_reason,
        "failures": failures,
    }


def write_junit(report: Report, path) -> None:
    """One testsuite per phase, one testcase per operation; a failed check is a <failure>."""
    from xml.etree import ElementTree

    suites = ElementTree.Element("testsuites", name="personas conformance", time=f"{report.seconds:.1f}")
    by_phase: dict[str, list[dict]] = {}
    for scenario in report.scenarios:
        by_phase.setdefault(scenario["phase"], []).append(scenario)
    for phase, scenarios in by_phase.items():
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=phase,
            tests=str(len(scenarios)),
            failures=str(sum(1 for s in scenarios if s["failures"])),
            skipped=str(sum(1 for s in scenarios if s["status"] == "skip")),
            time=f"{sum(s['seconds'] for s in scenarios):.3f}",
        )
        for scenario in scenarios:
            case = ElementTree.SubElement(
                suite, "testcase", classname=phase, name=scenario["operation"], time=f"{scenario['seconds']:.3f}"
            )
            for failure in scenario["failures"]:
                element = ElementTree.SubElement(case, "failure", type=failure["check"], message=failure["title"])
                answer = f"[{failure['status']}] {failure['answer']}"
                element.text = f"{failure['message']}\n\n{answer}\n\n{failure['reproduce']}"
            if scenario["status"] == "skip":
                ElementTree.SubElement(case, "skipped", message=scenario["skip_reason"] or "")
    if report.errors:
        suite = ElementTree.SubElement(suites, "testsuite", name="errors", tests=str(len(report.errors)))
        for error in report.errors:
            case = ElementTree.SubElement(suite, "testcase", classname="errors", name=error["operation"] or "run")
            ElementTree.SubElement(case, "error", message=error["error"][:200]).text = error["error"]
    ElementTree.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
