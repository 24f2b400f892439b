"""Idempotency-Key replays (Stripe's semantics; IETF draft-ietf-httpapi-idempotency-key-header).

Applies to the operations whose spec declares the `Idempotency-Key` header parameter; it gets the spec as
a Connexion `SpecMiddleware`, through `add_api`. It sits after security (the key's id is in the token
info) and before request validation, so a malformed key is left to validation (400) and not kept.

- The key is claimed (a running row, committed) before the request runs; the same key meanwhile is a 409.
- Every answer below 500 except 429 is kept for 24 hours and replayed, with `Idempotent-Replayed: true`, to
  the same request (method, path, query and body); the same key on another request is a 422. A 5xx or a
  429, an error that escapes, or an answer too large to keep gives the key back: a retry runs again.
- The answer is stored before the client sees it: a client that retries at once is replayed, not refused.
- Errors raised below this middleware are turned into answers here, by the app's own error table
  (handlers.errors), since the 4xx among them (422s above all) must be kept like any other answer.
- When the database cannot take the answer or the key's return (a node lost mid-request), a thread of this
  process tries again until it can or the claim's lease ends, so that a retry meets a 409 only while the
  database is away, not for the whole lease.

The SQL is short and synchronous and runs inline on the event loop, as the security handler's key
look-up and the short requests themselves do (personas.fastpath).
"""

import hashlib
import logging
import random
import re
import threading
import time

from connexion.middleware.abstract import SpecMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware

from personas.domain.errors import Rule, Text
from personas.handlers import errors
from personas.handlers.metrics import IDEMPOTENCY_REPLAYS
from personas.handlers.runtime import current
from personas.persistence.models.base import utcnow
from personas.persistence.repositories.idempotency import IN_FLIGHT, MISMATCH, REPLAY, IdempotentRequests
from personas.persistence.retry import is_conflict, is_unavailable

log = logging.getLogger("personas.idempotency")

HEADER = "Idempotency-Key"
KEY = re.compile(rb"[\x21-\x7e]{1,255}")
BOUNDARY = re.compile(rb'boundary="?([^";]+)"?', re.IGNORECASE)
MAX_KEPT = 2 * 1024 * 1024
PURGE_EVERY = 60.0
RETRY_EVERY = 1.0  # seconds between attempts to finish or release a claim the database refused
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
IN_PROGRESS = Text(
    "Una petición con esta Idempotency-Key sigue en curso", "A request with this Idempotency-Key is in progress"
)
REUSED = Rule(
    "idempotency_key_reused",
    "Esta Idempotency-Key ya se usó con otra petición",
    "This Idempotency-Key was already used with another request",
)


async def _answer(send, status: int, body: bytes, content_type: str | None, extra: tuple = ()) -> None:
    headers = [(b"content-length", str(len(body)).encode()), *extra]
    if content_type:
        headers.insert(0, (b"content-type", content_type.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse(scope, send, status: int, message: str | dict) -> None:
    body, headers = errors.asgi_answer(scope, status, message)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _keepable(status: int) -> bool:
    # A 429 says "later", not "no": kept, it would refuse every retry for a day.
    return status < 500 and status != 429


def _header(scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope.get("headers", ()) if key == name), None)


def _fingerprint(scope, body: bytes) -> str:
    # A multipart body's boundary is drawn anew by the client on every attempt; the parts are the request.
    boundary = BOUNDARY.search(_header(scope, b"content-type") or b"")
    if boundary:
        body = body.replace(b"--" + boundary.group(1), b"--")
    digest = hashlib.sha256()
    for part in (
        scope["method"].encode(),
        scope["path"].encode("utf-8", "surrogateescape"),
        scope["query_string"],
        body,
    ):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


async def _buffered(receive):
    """The whole request body, and a `receive` that hands it on unchanged (None on a disconnect)."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None, None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body, pending = b"".join(chunks), [True]

    async def replay():
        if pending:
            pending.clear()
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


class _ErrorTable:
    """What `errors.register` needs of an app, filling this middleware's own exception handlers."""

    def __init__(self, middleware: ExceptionMiddleware):
        self.add_error_handler = middleware.add_exception_handler


class Idempotency(SpecMiddleware):
    def __init__(self, app):
        self.app = app
        self.operations: set[str] = set()
        self.handled = ExceptionMiddleware(app)
        errors.register(_ErrorTable(self.handled))
        self._next_purge = 0.0

    def add_api(self, specification, **_kwargs) -> None:
        for item in specification.get("paths", {}).values():
            shared = item.get("parameters", [])
            for method in METHODS:
                operation = item.get(method)
                params = shared + (operation or {}).get("parameters", [])
                if any(p.get("in") == "header" and p.get("name", "").lower() == HEADER.lower() for p in params):
                    self.operations.add(operation.get("operationId", "").rsplit(".", 1)[-1])

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extensions = scope.get("extensions") or {}
        operation = (extensions.get("connexion_routing") or {}).get("operation_id") or ""
        token = (extensions.get("connexion_context") or {}).get("token_info")
        client_key = _header(scope, HEADER.lower().encode())
        if (
            operation.rsplit(".", 1)[-1] not in self.operations
            or client_key is None
            or not KEY.fullmatch(client_key)
            or not isinstance(token, dict)
            or not token.get("id")
        ):
            return await self.app(scope, receive, send)
        body, receive = await _buffered(receive)
        if receive is None:
            return None  # the client left before sending its body
        key_id = hashlib.sha256(str(token["id"]).encode() + b"\n" + client_key).hexdigest()
        requests = IdempotentRequests(current().session_factory)
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + PURGE_EVERY
            requests.purge_expired()
        claim = requests.claim(key_id, _fingerprint(scope, body))
        if claim.outcome == REPLAY:
            IDEMPOTENCY_REPLAYS.inc()
            replayed = ((b"idempotent-replayed", b"true"),)
            return await _answer(send, claim.status, claim.body or b"", claim.content_type, replayed)
        if claim.outcome == MISMATCH:
            return await _refuse(scope, send, 422, {HEADER: [REUSED]})
        if claim.outcome == IN_FLIGHT:
            return await _refuse(scope, send, 409, IN_PROGRESS)
        await self._run(scope, receive, send, requests, key_id, claim.claimed_at)
        return None

    async def _run(self, scope, receive, send, requests, key_id, claimed_at) -> None:
        held, size, passing, start = [], 0, False, None

        async def hold(message):
            nonlocal size, passing, start
            if passing:
                return await send(message)
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            held.append(message)
            if size > MAX_KEPT:
                # Too large to keep: the key goes back and the answer streams on.
                passing = True
                _release(requests, key_id, claimed_at)
                while held:
                    await send(held.pop(0))
            return None

        kept = False
        previous = scope.get("starlette.exception_handlers")
        try:
            await self.handled(scope, receive, hold)
            if not passing and start is not None and _keepable(start["status"]):
                content_type = dict(start.get("headers", ())).get(b"content-type", b"").decode("latin-1")
                body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
                kept = _finish(requests, key_id, claimed_at, start["status"], content_type, body)
        finally:
            # Leave the scope as the outer exception middleware set it.
            if previous is None:
                scope.pop("starlette.exception_handlers", None)
            else:
                scope["starlette.exception_handlers"] = previous
            if not kept and not passing:
                _release(requests, key_id, claimed_at)
        for message in held:
            await send(message)


def _finish(requests, key_id, claimed_at, status, content_type, body) -> bool:
    """Keep the answer; True also when the database could not take it. The request's own transaction is
    committed by then: giving the key back would let a retry do it a second time, and turning the answer
    into an error would hide that it was done. The answer is then kept later, by `LATER`."""
    try:
        return requests.finish(key_id, claimed_at, status, content_type, body)
    except Exception as exc:
        if not (is_unavailable(exc) or is_conflict(exc)):
            raise
        log.warning("Idempotency-Key answer not kept yet (database unavailable): trying again in the background")
        LATER.add(requests, claimed_at, requests.finish, key_id, claimed_at, status, content_type, body)
        return True


def _release(requests, key_id, claimed_at) -> None:
    try:
        requests.release(key_id, claimed_at)
    except Exception as exc:
        if not (is_unavailable(exc) or is_conflict(exc)):
            raise
        # The answer (an error) still goes out; a retry meets 409 until the key is given back.
        log.warning("Idempotency-Key not given back yet (database unavailable): trying again in the background")
        LATER.add(requests, claimed_at, requests.release, key_id, claimed_at)


class _Later:
    """Finishes and releases the database refused, run again by one daemon thread until they pass or their
    claim's lease is over (another request may then take the key over; the conditional statements make a
    late one harmless). A process that dies with some pending leaves them to the lease, as before."""

    def __init__(self):
        self._pending: list[tuple[float, object, tuple]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, requests, claimed_at, call, *args) -> None:
        deadline = time.monotonic() + (claimed_at + requests.lease - utcnow()).total_seconds()
        with self._lock:
            self._pending.append((deadline, call, args))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="idempotency-later", daemon=True)
                self._thread.start()

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def _loop(self) -> None:
        while True:
            time.sleep(RETRY_EVERY * random.uniform(0.8, 1.2))
            with self._lock:
                due, self._pending = self._pending, []
            kept = [item for item in due if not self._done(*item)]
            with self._lock:
                self._pending[:0] = kept

    @staticmethod
    def _done(deadline, call, args) -> bool:
        if time.monotonic() >= deadline:
            return True
        try:
            call(*args)
        except Exception as exc:
            if is_unavailable(exc) or is_conflict(exc):
                return False
            log.exception("Idempotency-Key record not settled")
        return True


LATER = _Later()
