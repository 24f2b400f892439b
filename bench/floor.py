"""Floors: what an operation costs when only its database work and its JSON are left.

For each measured operation the service is run in-process on the benchmark's database, twice, with two
different requests, and every statement it sends to the DB-API is recorded (with its parameters, the
BEGINs, COMMITs and ROLLBACKs, and the pool's check-outs, which ping MySQL, and resets). The two
recordings must issue the same statements in the same order; where their parameters differ, the
difference is explained by the request (a path or body value), by a fresh id, by the clock, or by a
text (a JSON payload) holding those; any other difference is a value the service derived from the
request (a birth date from a CURP), which the floor replays as the first recording had it ("pinned",
same type and size). That makes a script, which bench/floor_app.py replays with the
DB-API alone (sqlite3 or PyMySQL) in a bare ASGI app under the same uvicorn, answering orjson.

    python -m bench.floor capture URL KEY IDS_FILE CURPS_FILE OUT.json ['{"NAME": "QUERY"}']

Nothing is made lighter: the floor sends exactly the service's statements, with values of the same
shape. What it leaves out is everything that is not database work or JSON: routing, validation,
security checks done in Python, the ORM, marshmallow, the service's computed fields.
"""

import asyncio
import contextvars
import json
import os
import re
import sys
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class CaptureError(Exception):
    pass


def _encode(value):
    """A parameter as JSON: datetimes and bytes keep their type."""
    if isinstance(value, datetime):
        return {"k": "const", "dt": value.isoformat()}
    if isinstance(value, date):
        return {"k": "const", "d": value.isoformat()}
    if isinstance(value, bytes):
        return {"k": "const", "b": value.hex()}
    return {"k": "const", "v": value}


def _slots_in(text: str, known: dict) -> list:
    """`text` cut into constant parts and references to known values (inputs, fresh ids) it holds."""
    pattern = re.compile("|".join(re.escape(k) for k in sorted(known, key=len, reverse=True)))
    parts, last = [], 0
    for found in pattern.finditer(text):
        parts.append(text[last : found.start()])
        parts.append(known[found.group()])
        last = found.end()
    parts.append(text[last:])
    return parts


def template(first: list, second: list, inputs: tuple[dict, dict]) -> list:
    """The script of two recordings of one operation (see the module's docstring)."""
    if [e[:2] if e[0] == "sql" else e for e in first] != [e[:2] if e[0] == "sql" else e for e in second]:
        raise CaptureError("the two requests did not issue the same statements in the same order")
    by_value = {str(value): {"k": "input", "name": name} for name, value in inputs[0].items()}
    fresh: dict[str, dict] = {}
    steps = []
    for one, two in zip(first, second, strict=True):
        if one[0] != "sql":
            steps.append({"op": one[0]})
            continue
        _, statement, params_a, many = one
        params_b = two[2]
        if many:
            raise CaptureError(f"executemany is not replayed: {statement[:80]}")
        named = isinstance(params_a, dict)  # PyMySQL's pyformat; sqlite3 takes a tuple
        pairs = [(params_a[k], params_b[k]) for k in params_a] if named else list(zip(params_a, params_b, strict=True))
        out = []
        for a, b in pairs:
            if a == b:
                out.append(_encode(a))
            elif str(a) in by_value:
                out.append(by_value[str(a)])
            elif isinstance(a, datetime) or (isinstance(a, str) and TIMESTAMP.fullmatch(a)):
                out.append({"k": "now", "str": isinstance(a, str)})
            elif isinstance(a, str) and UUID.fullmatch(a):
                out.append(fresh.setdefault(a, {"k": "fresh", "slot": len(fresh)}))
            elif isinstance(a, str):
                known = by_value | fresh
                parts = _slots_in(a, known) if known else [a]
                out.append({"k": "text", "parts": parts} if len(parts) > 1 else _encode(a) | {"pinned": True})
            else:
                out.append(_encode(a) | {"pinned": True})
        if named:
            steps.append({"op": "sql", "sql": statement, "params": out, "names": list(params_a)})
            continue
        steps.append({"op": "sql", "sql": statement, "params": out})
    return steps


_recording: contextvars.ContextVar[list | None] = contextvars.ContextVar("floor_recording", default=None)


def _listen() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(_conn, _cursor, statement, parameters, _context, executemany):
        log = _recording.get()
        if log is not None:
            log.append(("sql", statement, parameters, executemany))

    def note(name):
        def _noted(*_args):
            log = _recording.get()
            if log is not None:
                log.append((name,))

        return _noted

    # Statements the service runs on the DB-API cursor itself (persistence.prepared) pass no engine event.
    from personas.persistence.prepared import Prepared

    run = Prepared._run

    def _prepared(self, dialect, dbapi_connection, params):
        log = _recording.get()
        if log is not None:
            args = self.arguments(dialect, params)
            log.append(("sql", self.compiled(dialect).sql, tuple(args) if isinstance(args, list) else args, False))
        return run(self, dialect, dbapi_connection, params)

    Prepared._run = _prepared
    for name in ("commit", "rollback"):
        event.listen(Engine, name, note(name))
    for name in ("checkout", "reset"):
        event.listen(Pool, name, note(name))


async def _call(app, key: str, method: str, path: str, body: bytes = b"") -> tuple[int, list]:
    path, _, query = path.partition("?")
    headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {key}".encode())]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    sent, log = [], []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    token = _recording.set(log)
    try:
        await app(scope, receive, send)
    finally:
        _recording.reset(token)
    return sent[0]["status"], log


def capture(url: str, key: str, cases: dict) -> dict:
    """{case: script}. `cases` maps a case name to its spec (method, status) and three requests, each
    (path with query, body or None, inputs): the first warms the operation up and is not recorded, the
    other two are; the inputs are the request's values the floor takes from the request it serves."""
    os.environ["PERSONAS_DATABASE_URL"] = url
    os.environ.setdefault("PERSONAS_RATE_LIMIT", "1000000000/minute")
    from personas.app import create_app

    app = create_app(migrate=False)
    _listen()
    scripts = {}

    async def run():
        for name, case in cases.items():
            logs = []
            for path, body, _inputs in case["requests"]:
                status, log = await _call(app, key, case["method"], path, body or b"")
                if status != case["status"]:
                    raise CaptureError(f"{name}: the service answered {status} to {path}")
                logs.append(log)
            _, a, b = logs
            inputs_a, inputs_b = case["requests"][1][2], case["requests"][2][2]
            path, _, query = case["requests"][1][0].partition("?")
            scripts[name] = {
                "method": case["method"],
                "route": case["route"],
                "query": query if not inputs_a else None,
                "status": case["status"],
                "steps": template(a, b, (inputs_a, inputs_b)),
            }

    asyncio.run(run())
    return scripts


def person_cases(ids: list[str], curps: list[str], list_queries: dict) -> dict:
    """The cases of bench.request_path and bench.lists: three ids and three unused CURPs."""

    def body(curp):
        doc = {"national_id": curp, "name": "Ana", "first_lastname": "López", "second_lastname": "Díaz"}
        return json.dumps(doc).encode()

    cases = {
        "GET /people/{id}": {
            "method": "GET",
            "route": "/api/v1/people/{id}",
            "status": 200,
            "requests": [(f"/api/v1/people/{i}", None, {"id": i}) for i in ids[:3]],
        },
        "POST /people": {
            "method": "POST",
            "route": "/api/v1/people",
            "status": 201,
            "requests": [("/api/v1/people", body(c), {"national_id": c}) for c in curps[:3]],
        },
    }
    for name, query in list_queries.items():
        path = f"/api/v1/people?{query}"
        cases[name] = {"method": "GET", "route": "/api/v1/people", "status": 200, "requests": [(path, None, {})] * 3}
    return cases


def main(argv: list[str]) -> int:
    """capture URL KEY IDS_FILE CURPS_FILE OUT [LISTS_JSON] (list cases: {name: query string})."""
    if len(argv) < 6 or argv[0] != "capture":
        print(__doc__, file=sys.stderr)
        return 2
    url, key, ids, curps, out = argv[1:6]
    queries = json.loads(argv[6]) if len(argv) > 6 else {}
    cases = person_cases(Path(ids).read_text().split(), Path(curps).read_text().split(), queries)
    Path(out).write_text(json.dumps(capture(url, key, cases), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
