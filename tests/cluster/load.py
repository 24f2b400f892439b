"""The load: client threads that use the API as partners do, through two `personas serve` processes.

Each client alternates between the processes like a round-robin load balancer. A request that gets no
answer (connection refused or dropped, timeout) or a 5xx, or a 409 for an Idempotency-Key still running, is
sent again, to the other process, within a time budget; creates carry an Idempotency-Key that stays the same
on every attempt. Every attempt is recorded (`Attempt`), and every person a client touched is kept in the
`Ledger`, with what the API acknowledged and what it was asked without an answer.

Each client works on people of its own, one at a time: create (Idempotency-Key), read it back through the
other process, add an address and contact data, rename it, list the first page, rename the one "hot" person
that every client renames, sometimes delete its own person and sometimes restore it again, read it back.
"""

import random
import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
import phonenumbers

from tests.support import new_curp

ADDRESS = {
    "street": "Marte",
    "ext_num": "12",
    "int_num": "DEP 8",
    "state": "DF",
    "municipality": "IZTACALCO",
    "colony": "Cristobal Colon",
    "zip_code": "08016",
    "references": "Al lado de una tienda",
    "verified_at": "2022-07-29T21:54:22Z",
}

WRITES = {"POST", "PUT", "DELETE", "PATCH"}
# Statuses after which the same request is sent again (to the other process).
RETRY_STATUSES = {409, 500, 502, 503, 504}


@dataclass
class Attempt:
    client: int
    op: str
    method: str
    route: str
    target: str
    attempt: int
    request_id: str
    started: float  # wall clock (time.time())
    latency: float  # seconds, until the whole answer was read or the error
    status: int | None = None
    retry_after: str | None = None
    replayed: bool = False
    error: str | None = None  # exception class and message when there was no answer
    stage: str | None = None  # for errors: before-send, awaiting-response (sent, no answer yet), body (mid-answer)
    sent_at: float | None = None  # wall clock when the request's body was fully sent
    final: bool = False  # the last attempt of its operation
    body: str | None = None  # the first bytes of an unexpected answer

    @property
    def write(self) -> bool:
        return self.method in WRITES


@dataclass
class Outcome:
    status: int | None
    data: dict | None
    attempts: list[Attempt]
    abandoned: bool = False

    @property
    def answered(self) -> bool:
        return self.status is not None


@dataclass
class PersonRecord:
    client: int
    national_id: str
    create_key: str
    create_attempts: int = 0
    create_started: float = 0.0
    id: str | None = None
    acked_at: float | None = None  # when the 201 of the create arrived
    create_statuses: list = field(default_factory=list)
    create_final: int | None = None  # the status the client was left with
    state: str = "unknown"  # alive | deleted | unknown (a delete or restore whose answer was lost)
    delete_tried: bool = False
    acked_name: str | None = None  # from the last acknowledged update (or the create)
    unacked_names: list = field(default_factory=list)  # updates sent after it, with no answer
    addresses: list = field(default_factory=list)  # ids acknowledged
    address_attempts: int = 0
    contacts: list = field(default_factory=list)
    contact_attempts: int = 0
    child_ops: list = field(default_factory=list)  # (op, [(request id, process, status or error), ...])
    stale_reads: list = field(default_factory=list)  # (target, op, status, when, request id)


class Ledger:
    def __init__(self):
        self.people: list[PersonRecord] = []
        self.lock = threading.Lock()

    def add(self, record: PersonRecord) -> PersonRecord:
        with self.lock:
            self.people.append(record)
        return record

    def snapshot(self) -> list[PersonRecord]:
        with self.lock:
            return list(self.people)


def _trail(outcome: Outcome) -> list[tuple]:
    return [(a.request_id, a.target, a.status or a.error) for a in outcome.attempts]


def new_phone(rng: random.Random) -> str:
    while True:
        digits = f"55{rng.randrange(10**8):08d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "MX")):
            return digits


class Target:
    def __init__(self, name: str, base: str):
        self.name, self.base = name, base


class Client(threading.Thread):
    def __init__(self, number: int, targets: list[Target], key: str, load: "Load"):
        super().__init__(name=f"client-{number}", daemon=True)
        self.number, self.targets, self.key, self.load = number, targets, key, load
        self.turn = number
        self.seq = 0
        self.rng = random.Random(number * 7919 + int(time.time()))
        self.http = httpx.Client(
            timeout=httpx.Timeout(connect=3.0, read=30.0, write=10.0, pool=10.0),
            # Idle connections are dropped before the server's keep-alive timeout (5 s) could close one
            # under a request being sent.
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=2, keepalive_expiry=2.0),
        )
        self.error: BaseException | None = None

    # -- one request ---------------------------------------------------------------------------------------

    def _once(self, target: Target, op: str, method: str, route: str, path: str, body, idem: str | None, attempt: int):
        request_id = f"cl{self.number}-{self.seq}-{attempt}"  # one operation's attempts share cl<N>-<seq>-
        headers = {"Authorization": f"Bearer {self.key}", "X-Request-Id": request_id}
        if idem:
            headers["Idempotency-Key"] = idem
        marks: dict[str, float] = {}

        def trace(name, _info):
            if name.endswith(".complete") or name.endswith(".started"):
                marks.setdefault(name, time.time())

        record = Attempt(self.number, op, method, route, target.name, attempt, request_id, time.time(), 0.0)
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, target.base + path, json=body, headers=headers, extensions={"trace": trace}
            )
            record.status = response.status_code
            record.retry_after = response.headers.get("retry-after")
            record.replayed = response.headers.get("idempotent-replayed") == "true"
            try:
                data = response.json()
            except ValueError:
                data = None
            if response.status_code >= 400:
                record.body = response.text[:300]
        except httpx.HTTPError as exc:
            data = None
            record.error = f"{type(exc).__name__}: {exc}"[:300]
            if "http11.receive_response_headers.complete" in marks:
                record.stage = "body"
            elif "http11.send_request_body.complete" in marks:
                record.stage = "awaiting-response"
            else:
                record.stage = "before-send"
        record.latency = time.perf_counter() - started
        record.sent_at = marks.get("http11.send_request_body.complete")
        self.load.attempts.append(record)
        return record, data

    def call(self, op: str, method: str, route: str, path: str, body=None, idem: bool = False) -> Outcome:
        """The operation, retried on the other process when it gets no answer or a retryable one."""
        key = str(uuid.uuid4()) if idem else None
        return self.call_with_key(op, method, route, path, body, key)

    def call_with_key(self, op, method, route, path, body, key) -> Outcome:
        deadline = time.monotonic() + self.load.budget
        self.seq += 1
        attempts: list[Attempt] = []
        self.turn += 1
        index = self.turn % len(self.targets)
        attempt = 0
        while True:
            attempt += 1
            target = self.targets[index]
            record, data = self._once(target, op, method, route, path, body, key, attempt)
            attempts.append(record)
            retry = record.status is None or record.status in RETRY_STATUSES
            if record.status == 409 and not key:
                retry = False  # a domain conflict, not an Idempotency-Key in flight
            if not retry:
                record.final = True
                return Outcome(record.status, data, attempts)
            if time.monotonic() > deadline or self.load.stopping_hard.is_set():
                record.final = True
                return Outcome(record.status, data, attempts, abandoned=True)
            pause = 0.05 * attempt
            if record.retry_after and record.retry_after.strip().isdigit():
                pause = max(pause, min(float(record.retry_after), 1.0))
            time.sleep(min(pause, 1.0))
            index = (index + 1) % len(self.targets)

    # -- the person's life ---------------------------------------------------------------------------------

    def run(self):
        try:
            while not self.load.stop.is_set():
                self.one_person()
        except BaseException as exc:  # noqa: BLE001 - reported by the scenario, never silently lost
            self.error = exc
        finally:
            self.http.close()

    def _read_back(self, person: PersonRecord, op: str) -> None:
        got = self.call(op, "GET", "/people/{id}", f"/people/{person.id}")
        if got.status == 404 and person.state == "alive":
            last = got.attempts[-1]
            person.stale_reads.append((last.target, op, got.status, last.started, last.request_id))

    def one_person(self):
        rng = self.rng
        person = self.load.ledger.add(PersonRecord(self.number, new_curp(), str(uuid.uuid4())))
        body = {"national_id": person.national_id, "name": "Ana", "first_lastname": "López", "second_lastname": "Díaz"}
        person.create_started = time.time()
        created = self.call_with_key("create_person", "POST", "/people", "/people", body, person.create_key)
        person.create_attempts = len(created.attempts)
        person.create_statuses = [a.status for a in created.attempts]
        person.create_final = created.status
        if created.status != 201:
            return
        person.id = created.data["result"]["id"]
        person.acked_at = time.time()
        person.state, person.acked_name = "alive", "Ana"
        if self.load.stop.is_set():
            return
        self._read_back(person, "read_after_create")

        person.address_attempts += 1
        added = self.call(
            "create_address", "POST", "/addresses", "/addresses", ADDRESS | {"person_id": person.id}, idem=True
        )
        person.child_ops.append(("create_address", _trail(added)))
        if added.status == 201:
            person.addresses.append(added.data["result"]["id"])
        elif added.status == 422 and "person" in str(added.data):
            last = added.attempts[-1]
            person.stale_reads.append((last.target, "create_address", 422, last.started, last.request_id))

        contact = {"person_id": person.id, "email": f"ana.{uuid.uuid4().hex[:12]}@example.com", "phone": new_phone(rng)}
        person.contact_attempts += 1
        added = self.call("create_contact", "POST", "/contact-data", "/contact-data", contact, idem=True)
        person.child_ops.append(("create_contact", _trail(added)))
        if added.status == 201:
            person.contacts.append(added.data["result"]["id"])
        elif added.status == 422 and "person" in str(added.data):
            last = added.attempts[-1]
            person.stale_reads.append((last.target, "create_contact", 422, last.started, last.request_id))

        name = f"Ana{rng.randrange(10**6)}"
        updated = self.call("update_person", "PUT", "/people/{id}", f"/people/{person.id}", {"name": name})
        if updated.status == 200:
            person.acked_name, person.unacked_names = name, []
        elif updated.status == 404:
            last = updated.attempts[-1]
            person.stale_reads.append((last.target, "update_person", 404, last.started, last.request_id))
        elif not updated.answered or updated.status >= 500:
            person.unacked_names.append(name)  # no answer, or 503 (its commit may have happened): either name

        self.call("list_people", "GET", "/people", "/people?page=1&per_page=20")

        if self.load.hot_id:
            # One person every client renames, through both processes, so through two Galera nodes at once:
            # certification conflicts, which the service retries (or answers 503 with Retry-After).
            hot = f"Hot{self.number}x{self.seq}"
            self.load.hot_names.add(hot)
            self.call("update_hot", "PUT", "/people/{id}", f"/people/{self.load.hot_id}", {"name": hot})

        if rng.random() < 0.25:
            person.delete_tried = True
            deleted = self.call("delete_person", "DELETE", "/people/{id}", f"/people/{person.id}")
            if deleted.status == 200:
                person.state = "deleted"
            elif deleted.status == 404 and len(deleted.attempts) == 1:
                last = deleted.attempts[-1]
                person.stale_reads.append((last.target, "delete_person", 404, last.started, last.request_id))
            else:
                # A 404 after an attempt without an answer (which most likely deleted it), none, or a 503.
                person.state = "unknown"
            if person.state != "alive" and rng.random() < 0.5:
                restored = self.call(
                    "restore_person", "POST", "/people/{id}/restore", f"/people/{person.id}/restore", idem=True
                )
                if restored.status == 200:
                    person.state = "alive"
                elif not restored.answered or restored.status >= 500:
                    person.state = "unknown"
        if person.state == "alive":
            self._read_back(person, "read_back")


class Load:
    """`clients` Client threads until `stop()`; the attempts of all of them in `attempts`."""

    def __init__(self, targets: list[Target], key: str, clients: int = 32, budget: float = 30.0, hot_id=None):
        self.targets, self.key, self.budget = targets, key, budget
        self.hot_id = hot_id
        self.hot_names: set[str] = {"Hot"}
        self.attempts: list[Attempt] = []
        self.ledger = Ledger()
        self.stop = threading.Event()
        self.stopping_hard = threading.Event()
        self.clients = [Client(i, targets, key, self) for i in range(clients)]

    def start(self) -> None:
        for client in self.clients:
            client.start()

    def finish(self, timeout: float = 60.0) -> list[str]:
        """Stop starting new people, let the running operations end (within `timeout`); the clients that did not."""
        self.stop.set()
        deadline = time.monotonic() + timeout
        for client in self.clients:
            client.join(max(0.1, deadline - time.monotonic()))
        self.stopping_hard.set()
        for client in self.clients:
            client.join(5)
        return [c.name for c in self.clients if c.is_alive()]
