"""A fake CURP registry over HTTP (docs/REGISTRY.md's protocol) on 127.0.0.1, for the HTTP adapter and the
API tests: `GET <url>/curp/<CURP>` answers from the records it was given, or as a test tells it to.

    with FakeRegistry() as fake:          # or the `fake_registry` fixture (tests/conftest.py)
        fake.add(sample_record(curp))     # 200 with that record
        fake.respond("error", retry_after="7")          # every CURP: 500 with Retry-After: 7
        fake.respond("slow", curp=other, delay=2.0)     # one CURP: answers after 2 s
        registry = fake.adapter(timeout=0.5)            # an HttpCurpRegistry pointed at it

Modes (`respond(mode, curp=None, **options)`; a CURP's own mode wins over the one for every CURP, and
without either a known CURP is "found", an unknown one "not_found"):
- "found": 200 with the record (`record=` one of its own, else the added one); "not_found": 404;
- "slow": waits `delay` seconds (default 5), then answers as it would have;
- "drip": answers the record at once, headers first, then its body a byte every `delay` seconds (0.2);
- "garbage": 200 with a body that is not JSON; "error": `status` (500) with `retry_after` when given;
- "other_curp": 200 with a valid record of another CURP (`other=` that CURP);
- "redirect": 302 to the same path with `?followed=1` (answered as "found" if a client follows it).
`requests` lists what was asked: (path, headers).
"""

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

from personas.domain.identity import parse_curp
from personas.domain.providers.registry import HttpCurpRegistry
from tests.support import new_curp

MODES = frozenset({"found", "not_found", "slow", "drip", "garbage", "error", "other_curp", "redirect"})


def sample_record(curp: str, **overrides) -> dict:
    """A registry answer for `curp` whose sex, birth date and state are the CURP's: an active person."""
    info = parse_curp(curp)
    record = {
        "curp": info.curp,
        "name": "Ana María",
        "first_lastname": "López",
        "second_lastname": "Díaz",
        "sex": info.curp[10],
        "birthdate": info.birthdate.isoformat(),
        "birth_state": info.state_code,
        "status": "active",
        "status_detail": None,
    }
    return record | overrides


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a slow answer still waiting must not hold up close

    def handle_error(self, request, client_address):
        pass  # a client that gave up (the adapter's timeout) is what the slow mode is for


class FakeRegistry:
    def __init__(self):
        self.records: dict[str, dict] = {}
        self.modes: dict[str | None, tuple[str, dict]] = {}
        self.requests: list[tuple[str, dict]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/registry"
        # Polled often, so closing it at each test's end is quick.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> "FakeRegistry":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()  # wakes slow answers so their threads end
        self._server.shutdown()
        self._server.server_close()

    def add(self, record: dict) -> dict:
        with self._lock:
            self.records[record["curp"]] = record
        return record

    def respond(self, mode: str, curp: str | None = None, **options) -> None:
        """Answer `curp` (every CURP when None) in `mode` from now on; see the module docstring."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}")
        with self._lock:
            self.modes[curp] = (mode, options)

    def reset(self) -> None:
        with self._lock:
            self.records.clear()
            self.modes.clear()
            self.requests.clear()

    def adapter(self, timeout: float = 2.0) -> HttpCurpRegistry:
        return HttpCurpRegistry(self.url, timeout=timeout)

    def _plan(self, curp: str) -> tuple[str, dict, dict | None]:
        with self._lock:
            known = self.records.get(curp)
            mode, options = self.modes.get(curp) or self.modes.get(None) or ("found" if known else "not_found", {})
        return mode, options, known

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's hook name
                parts = urlsplit(self.path)
                with fake._lock:
                    fake.requests.append((self.path, dict(self.headers)))
                prefix, _, curp = parts.path.rpartition("/curp/")
                if prefix != "/registry" or not curp:
                    return self._send(404, b"no such path", "text/plain")
                curp = unquote(curp)
                mode, options, known = fake._plan(curp)
                if parts.query == "followed=1":
                    mode = "found"
                if mode == "slow":
                    fake._closing.wait(options.get("delay", 5.0))
                    mode = "found" if known else "not_found"
                if mode == "drip":
                    return self._drip(json.dumps(options.get("record") or known).encode(), options.get("delay", 0.2))
                if mode == "found":
                    record = options.get("record") or known
                    if record is None:
                        return self._send(404, b'{"error": "not_found"}')
                    return self._send(200, json.dumps(record).encode())
                if mode == "not_found":
                    return self._send(404, b'{"error": "not_found"}')
                if mode == "garbage":
                    return self._send(200, b"<html>maintenance</html>", "text/html")
                if mode == "error":
                    extra = {"Retry-After": str(options["retry_after"])} if "retry_after" in options else {}
                    return self._send(options.get("status", 500), b'{"error": "unavailable"}', headers=extra)
                if mode == "other_curp":
                    other = options.get("other") or new_curp(born=date(1990, 5, 17))
                    return self._send(200, json.dumps(sample_record(other)).encode())
                # redirect
                return self._send(302, b"", headers={"Location": f"{parts.path}?followed=1"})

            def _send(self, status, body, content_type="application/json", headers=None):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up waiting

            def _drip(self, body, delay):
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if fake._closing.wait(delay):
                            return
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, *args):
                pass

        return Handler
