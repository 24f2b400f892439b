"""The floor app: a bare ASGI app that replays the scripts bench/floor.py captured, with the DB-API.

    FLOOR_SCRIPT=script.json FLOOR_DATABASE_URL=URL uvicorn --factory bench.floor_app:create ...

Per request: the case is found by method and route (and, for a case captured with a fixed query, that
query), its inputs are read from the path or the JSON body, and its steps run on the worker's one
connection: check-outs ping MySQL as the service's pool does, `BEGIN IMMEDIATE` takes the same writer
lock file the service takes on SQLite, resets roll back. Every row the statements return is fetched;
the answer is the envelope with the rows of the operation's main query, as dicts, through orjson.
"""

import fcntl
import json
import os
import re
import uuid
from datetime import UTC, date, datetime
from urllib.parse import unquote

import orjson


def _value(param: dict):
    if "dt" in param:
        return datetime.fromisoformat(param["dt"])
    if "d" in param:
        return date.fromisoformat(param["d"])
    if "b" in param:
        return bytes.fromhex(param["b"])
    return param["v"]


class Case:
    def __init__(self, name: str, script: dict, mysql: bool):
        self.name, self.method, self.status, self.query = name, script["method"], script["status"], script["query"]
        names = re.findall(r"{(\w+)}", script["route"])
        self.path = re.compile("^" + re.sub(r"{\w+}", "([^/]+)", script["route"]) + "$")
        self.path_inputs = names
        self.steps, self.names = [], {}
        for step in script["steps"]:
            if step["op"] != "sql":
                self.steps.append((step["op"], None, None))
                continue
            sql = step["sql"]
            params = [p if p["k"] != "const" else {"k": "const", "value": _value(p)} for p in step["params"]]
            static = all(p["k"] == "const" for p in params)
            self.steps.append(("sql", sql, tuple(p["value"] for p in params) if static else params))
            if step.get("names"):  # PyMySQL's named parameters, bound by name
                self.names[len(self.steps) - 1] = step["names"]
        # The answer: a write's widest INSERT (the values it stored), else the rows of the first query
        # after the key look-up (the operation's own).
        sql_steps = [(i, sql) for i, (op, sql, _) in enumerate(self.steps) if op == "sql"]
        inserts = [(sql.count(","), i, sql) for i, sql in sql_steps if sql.startswith("INSERT")]
        selects = [i for i, sql in sql_steps if sql.lstrip().startswith("SELECT")]
        self.main, self.columns = (selects[1] if len(selects) > 1 else selects[0]), None
        if inserts:
            _, self.main, sql = max(inserts)
            self.columns = [c.strip(" `") for c in sql[sql.index("(") + 1 : sql.index(")")].split(",")]
        self.mysql = mysql


def _now(as_str: bool):
    # Naive UTC, as the service stores it (persistence.models.base.utcnow).
    now = datetime.now(UTC).replace(tzinfo=None)
    return str(now) if as_str else now


def _bind(params, inputs: dict, fresh: dict) -> tuple:
    if isinstance(params, tuple):
        return params
    out = []
    for p in params:
        kind = p["k"]
        if kind == "const":
            out.append(p["value"])
        elif kind == "input":
            out.append(inputs[p["name"]])
        elif kind == "fresh":
            slot = p["slot"]
            if slot not in fresh:
                fresh[slot] = str(uuid.uuid4())
            out.append(fresh[slot])
        elif kind == "now":
            out.append(_now(p["str"]))
        else:  # text
            parts = []
            for part in p["parts"]:
                if isinstance(part, str):
                    parts.append(part)
                elif part["k"] == "input":
                    parts.append(str(inputs[part["name"]]))
                else:
                    parts.append(fresh.setdefault(part["slot"], str(uuid.uuid4())))
            out.append("".join(parts))
    return tuple(out)


class Floor:
    def __init__(self, scripts: dict, url: str):
        self.url = url
        self.mysql = url.startswith("mysql")
        self.cases = [Case(name, script, self.mysql) for name, script in scripts.items()]
        self.conn = None
        self.lock_path = None

    def _connect(self):
        if self.mysql:
            import pymysql
            from sqlalchemy.engine import make_url

            u = make_url(self.url)
            return pymysql.connect(
                host=u.host, port=u.port or 3306, user=u.username, password=u.password, database=u.database,
                charset="utf8mb4", autocommit=False,
            )  # fmt: skip
        import sqlite3

        path = self.url.split("///", 1)[1]
        conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        conn.isolation_level = None
        self.lock_path = f"{path}.writer-lock"
        return conn

    def find(self, method: str, path: str, query: str):
        for case in self.cases:
            if case.method != method or (case.query is not None and case.query != query):
                continue
            found = case.path.match(path)
            if found:
                return case, {name: unquote(v) for name, v in zip(case.path_inputs, found.groups(), strict=True)}
        return None, None

    def run(self, case: Case, inputs: dict) -> bytes:
        if self.conn is None:
            self.conn = self._connect()
        conn, fresh, lock, result = self.conn, {}, None, None
        cursor = conn.cursor()
        try:
            for index, (op, sql, params) in enumerate(case.steps):
                if op == "sql":
                    if sql == "BEGIN IMMEDIATE" and self.lock_path:
                        lock = os.fdopen(os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a")
                        fcntl.lockf(lock, fcntl.LOCK_EX)
                    bound = _bind(params, inputs, fresh)
                    names = case.names.get(index)
                    cursor.execute(sql, dict(zip(names, bound, strict=True)) if names else bound)
                    rows = cursor.fetchall() if cursor.description else None
                    if index == case.main:
                        if case.columns:
                            result = [dict(zip(case.columns, bound, strict=True))]
                        elif rows is not None:
                            columns = [d[0] for d in cursor.description]
                            result = [dict(zip(columns, row, strict=True)) for row in rows]
                elif op in ("commit", "rollback", "reset"):
                    conn.commit() if op == "commit" else conn.rollback()
                    if lock is not None:
                        lock.close()
                        lock = None
                elif op == "checkout" and self.mysql:
                    conn.ping(reconnect=False)
        finally:
            cursor.close()
            if lock is not None:
                lock.close()
        if result is not None and len(result) == 1 and (case.path_inputs or case.columns):
            result = result[0]
        return orjson.dumps({"success": True, "code": case.status, "result": result}, default=str)


def create():
    with open(os.environ["FLOOR_SCRIPT"]) as handle:
        floor = Floor(json.load(handle), os.environ["FLOOR_DATABASE_URL"])

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["path"] == "/health":
            return await _answer(send, 200, b'{"success":true}')
        case, inputs = floor.find(scope["method"], scope["path"], scope["query_string"].decode())
        if case is None:
            return await _answer(send, 404, b'{"success":false}')
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if body:
            inputs |= orjson.loads(body)
        # Short synchronous SQL, inline on the event loop, as the service's fast path runs it.
        return await _answer(send, case.status, floor.run(case, inputs))

    return app


async def _answer(send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
