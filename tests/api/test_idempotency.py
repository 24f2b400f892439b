"""Idempotency-Key on the POSTs that create or start something: replays, conflicts, expiry, key schema."""

import hashlib
import json
import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import OperationalError

import personas.domain.people  # noqa: F401  (binds the submodule on its package)
import personas.handlers.idempotency  # noqa: F401  (binds the submodule on its package)
import personas.handlers.people  # noqa: F401  (binds the submodule on its package)
from personas import domain, fastpath, handlers
from personas.domain.api_keys import digest
from personas.domain.errors import RateLimited
from personas.handlers.idempotency import Idempotency, _fingerprint
from personas.persistence.models.base import utcnow
from personas.persistence.models.idempotency import IdempotentRequest
from personas.persistence.models.people import Person
from personas.persistence.repositories.api_keys import active_key
from personas.persistence.repositories.idempotency import CLAIMED, IN_FLIGHT, IdempotentRequests
from tests.conftest import Client, make_key
from tests.support import person_body, writing

REPLAYED = "Idempotent-Replayed"
REGISTER = domain.people.register
IN_PROGRESS = "Una petición con esta Idempotency-Key sigue en curso"  # the spec's example


def keyed(key=None):
    return {"Idempotency-Key": key or str(uuid.uuid4())}


def people_count(session_factory) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(Person))


def key_id(session_factory, api, client_key: str) -> str:
    """The stored id of a client key, from the API key id behind the client's bearer token."""
    owner = active_key(session_factory, digest(api.headers["Authorization"].split(" ", 1)[1]))[0]
    return hashlib.sha256(f"{owner}\n{client_key}".encode()).hexdigest()


def replayed(response) -> bool:
    return response.headers.get(REPLAYED) == "true"


def store(session_factory, id_, *, status=None, age=timedelta(0), ttl=timedelta(hours=24), request_hash="0" * 64):
    created, body = utcnow() - age, b'{"kept": true}' if status else None
    with writing(session_factory) as session:
        row = {"id": id_, "request_hash": request_hash, "status": status, "content_type": "application/json"}
        row |= {"body": body, "created_at": created, "expires_at": created + ttl}
        session.execute(insert(IdempotentRequest).values(**row))
        session.commit()


def test_a_retried_create_replays_the_first_answer_and_creates_nothing_new(api, session_factory):
    body, headers = person_body(), keyed(str(uuid.uuid4()).ljust(255, "~"))  # the longest key allowed
    first = api.post("/people", json=body, headers=headers)
    assert first.status_code == 201 and not replayed(first), first.text
    before = people_count(session_factory)
    again = api.post("/people", json=body, headers=headers)
    assert again.status_code == 201 and replayed(again) and again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert people_count(session_factory) == before


def test_without_the_header_a_repeated_create_runs_again(api):
    body = person_body()
    assert api.post("/people", json=body).status_code == 201
    again = api.post("/people", json=body)
    assert again.status_code == 422 and not replayed(again)  # the national id is in use: it ran again


def test_the_same_key_with_another_body_is_refused_with_422(api, session_factory):
    headers = keyed()
    assert api.post("/people", json=person_body(), headers=headers).status_code == 201
    before = people_count(session_factory)
    other = api.post("/people", json=person_body(), headers=headers)
    assert other.status_code == 422 and other.json()["success"] is False and other.json()["code"] == 422
    assert "ya se usó con otra petición" in other.json()["error"]["Idempotency-Key"][0]
    assert people_count(session_factory) == before


def test_the_same_key_and_body_on_another_operation_is_refused_with_422(api):
    headers, group = keyed(), {"name": f"g-{uuid.uuid4()}", "description": "retries"}
    assert api.post("/people-groups", json=group, headers=headers).status_code == 201
    elsewhere = api.post("/people", json=group, headers=headers)
    assert elsewhere.status_code == 422
    assert "ya se usó con otra petición" in elsewhere.json()["error"]["Idempotency-Key"][0]


def test_a_key_whose_first_request_is_still_running_is_refused_with_409(api, session_factory, monkeypatch):
    entered, go_on = threading.Event(), threading.Event()
    original = handlers.people.load_person

    def slow_load_person(body):
        entered.set()
        go_on.wait(10)
        return original(body)

    monkeypatch.setattr(handlers.people, "load_person", slow_load_person)
    # Every request goes to the worker's threads, so the event loop stays free while the first one waits.
    monkeypatch.setattr(fastpath.InlineWSGI, "_inline", lambda _self, _scope: False)
    monkeypatch.setattr(fastpath.DirectOperation, "body_limit", -1)  # no body is called directly
    body, headers, first = person_body(), keyed(), {}
    thread = threading.Thread(target=lambda: first.update(response=api.post("/people", json=body, headers=headers)))
    thread.start()
    try:
        assert entered.wait(10), "the first request never reached its handler"
        second = api.post("/people", json=body, headers=headers)
        assert second.status_code == 409 and second.json() == {"success": False, "code": 409, "error": IN_PROGRESS}
    finally:
        go_on.set()
        thread.join(20)
    assert first["response"].status_code == 201, first["response"].text
    third = api.post("/people", json=body, headers=headers)
    assert third.status_code == 201 and replayed(third) and third.content == first["response"].content


def sent_as(body: dict) -> tuple[bytes, str]:
    """The exact bytes of a JSON body and the fingerprint the service computes for POST /people with them."""
    raw = json.dumps(body).encode()
    scope = {
        "method": "POST",
        "path": "/api/v1/people",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
    }
    return raw, _fingerprint(scope, raw)


@pytest.mark.parametrize(("age", "status"), [(timedelta(seconds=5), 409), (timedelta(minutes=6), 201)])
def test_a_running_claim_is_a_409_within_its_lease_and_taken_over_after(api, session_factory, age, status):
    client_key, (raw, fingerprint) = str(uuid.uuid4()), sent_as(person_body())
    store(session_factory, key_id(session_factory, api, client_key), age=age, request_hash=fingerprint)
    before, headers = people_count(session_factory), keyed(client_key) | {"Content-Type": "application/json"}
    response = api.post("/people", content=raw, headers=headers)
    assert response.status_code == status and not replayed(response), response.text
    assert people_count(session_factory) == before + (status == 201)
    if status == 201:
        assert replayed(api.post("/people", content=raw, headers=headers))


def _fails(*_args, **_kwargs):
    raise RuntimeError("the database went away")


def _limited(*_args, **_kwargs):
    raise RateLimited("Demasiados intentos / Too many attempts", retry_after=3)


@pytest.mark.parametrize(("failure", "status"), [(_fails, 500), (_limited, 429)])
def test_a_5xx_or_a_429_is_not_kept_and_a_retry_runs_the_request(api, session_factory, monkeypatch, failure, status):
    body, headers = person_body(), keyed()
    monkeypatch.setattr(domain.people, "register", failure)
    failed = api.post("/people", json=body, headers=headers)
    assert failed.status_code == status and failed.json()["code"] == status
    monkeypatch.undo()
    assert IdempotentRequests(session_factory).look_up(key_id(session_factory, api, headers["Idempotency-Key"])) is None
    retried = api.post("/people", json=body, headers=headers)
    assert retried.status_code == 201 and not replayed(retried), retried.text


def test_a_4xx_first_answer_is_replayed(api):
    body, headers = person_body(), keyed()
    assert api.post("/people", json=body).status_code == 201  # the national id is now in use
    refused = api.post("/people", json=body, headers=headers)
    assert refused.status_code == 422
    again = api.post("/people", json=body, headers=headers)
    assert again.status_code == 422 and replayed(again) and again.content == refused.content


def test_a_body_the_schema_refuses_is_kept_and_replayed_too(api):
    headers = keyed()
    refused = api.post("/people", json={"name": "Ana"}, headers=headers)
    assert refused.status_code == 422 and refused.json()["success"] is False
    again = api.post("/people", json={"name": "Ana"}, headers=headers)
    assert again.status_code == 422 and replayed(again) and again.content == refused.content


def test_two_api_keys_may_use_the_same_client_key_without_meeting(api, http, session_factory):
    other = Client(http, make_key(session_factory, name="idempotency-other")[0])
    client_key = str(uuid.uuid4())
    mine = api.post("/people", json=person_body(), headers=keyed(client_key))
    theirs = other.post("/people", json=person_body(), headers=keyed(client_key))
    assert mine.status_code == theirs.status_code == 201 and not replayed(theirs)
    assert mine.json()["result"]["id"] != theirs.json()["result"]["id"]


def test_an_expired_answer_counts_as_absent_and_its_key_can_be_used_again(api, session_factory):
    client_key = str(uuid.uuid4())
    store(session_factory, key_id(session_factory, api, client_key), status=201, age=timedelta(hours=25))
    fresh = api.post("/people", json=person_body(), headers=keyed(client_key))
    assert fresh.status_code == 201 and not replayed(fresh), fresh.text


def test_expired_rows_are_purged_by_a_later_keyed_request(app, api, session_factory):
    expired, live = uuid.uuid4().hex * 2, uuid.uuid4().hex * 2
    store(session_factory, expired, status=201, age=timedelta(hours=25))
    store(session_factory, live, status=201)
    middleware = next(m for m in app.middleware.middleware_stack if isinstance(m, Idempotency))
    middleware._next_purge = 0.0
    assert api.post("/people", json=person_body(), headers=keyed()).status_code == 201
    with session_factory() as session:
        ids = set(session.scalars(select(IdempotentRequest.id).where(IdempotentRequest.id.in_([expired, live]))))
    assert ids == {live}


@pytest.mark.parametrize("client_key", ["", "k" * 256, "k" * 300, "with space", "tab\tinside"])
def test_a_key_outside_its_schema_is_a_400_and_nothing_is_kept(api, session_factory, client_key):
    before = people_count(session_factory)
    response = api.post("/people", json=person_body(), headers={"Idempotency-Key": client_key})
    assert response.status_code == 400 and response.json()["code"] == 400, response.text
    assert people_count(session_factory) == before
    assert IdempotentRequests(session_factory).look_up(key_id(session_factory, api, client_key)) is None


def test_concurrent_claims_of_one_key_leave_one_winner_and_no_error(session_factory):
    requests, rounds, racers = IdempotentRequests(session_factory), 5, 6
    for _ in range(rounds):
        key, outcomes, barrier = uuid.uuid4().hex * 2, [], threading.Barrier(racers)

        def race(key=key, outcomes=outcomes, barrier=barrier):
            barrier.wait(10)
            outcomes.append(requests.claim(key, "1" * 64).outcome)

        threads = [threading.Thread(target=race) for _ in range(racers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert sorted(outcomes) == sorted([CLAIMED] + [IN_FLIGHT] * (racers - 1))


def test_an_answer_too_large_to_keep_is_delivered_whole_and_its_key_given_back(api, session_factory, monkeypatch):
    monkeypatch.setattr(handlers.idempotency, "MAX_KEPT", 16)
    body, headers = person_body(), keyed()
    created = api.post("/people", json=body, headers=headers)
    assert created.status_code == 201 and created.json()["result"]["national_id"] == body["national_id"]
    assert IdempotentRequests(session_factory).look_up(key_id(session_factory, api, headers["Idempotency-Key"])) is None
    again = api.post("/people", json=body, headers=headers)
    assert again.status_code == 422  # ran again: the national id is in use now


def test_a_multipart_retry_with_a_new_boundary_is_replayed(api):
    headers, upload = keyed(), {"file": ("notes.txt", b"retry me", "text/plain")}
    first = api.post("/temporary-files", files=upload, headers=headers)
    assert first.status_code == 201, first.text
    again = api.post("/temporary-files", files=upload, headers=headers)
    assert again.request.headers["content-type"] != first.request.headers["content-type"]  # another boundary
    assert again.status_code == 201 and replayed(again) and again.content == first.content
    other = api.post("/temporary-files", files={"file": ("notes.txt", b"another", "text/plain")}, headers=headers)
    assert other.status_code == 422


class _DatabaseAway:
    """A repository method that meets an unreachable database (error 2003) until `back` is set."""

    def __init__(self, method):
        self.method, self.back, self.refused = method, threading.Event(), 0

    @classmethod
    def patch(cls, monkeypatch, name: str) -> "_DatabaseAway":
        """IdempotentRequests.<name> behind a database that is away, retried in the background quickly."""
        away = cls(getattr(IdempotentRequests, name))
        monkeypatch.setattr(IdempotentRequests, name, lambda self, *args: away(self, *args))
        monkeypatch.setattr(handlers.idempotency, "RETRY_EVERY", 0.02)
        return away

    def __call__(self, *args, **kwargs):
        if not self.back.is_set():
            self.refused += 1
            raise OperationalError("UPDATE idempotent_requests", {}, Exception(2003, "Can't connect"))
        return self.method(*args, **kwargs)


def _settled(condition) -> bool:
    for _ in range(400):  # a bound on the wait, not a claim about its length
        if condition():
            return True
        time.sleep(0.025)
    return False


def test_a_key_the_database_could_not_take_back_is_given_back_when_it_returns(api, session_factory, monkeypatch):
    body, headers = person_body(), keyed()
    stored = key_id(session_factory, api, headers["Idempotency-Key"])
    away = _DatabaseAway.patch(monkeypatch, "release")
    monkeypatch.setattr(domain.people, "register", _fails)
    assert api.post("/people", json=body, headers=headers).status_code == 500
    monkeypatch.setattr(domain.people, "register", REGISTER)
    assert away.refused >= 1
    refused = api.post("/people", json=body, headers=headers)
    assert refused.status_code == 409 and refused.json()["error"] == IN_PROGRESS
    away.back.set()
    assert _settled(lambda: IdempotentRequests(session_factory).look_up(stored) is None)
    retried = api.post("/people", json=body, headers=headers)
    assert retried.status_code == 201 and not replayed(retried), retried.text


def test_an_answer_the_database_could_not_keep_is_kept_when_it_returns(api, session_factory, monkeypatch):
    body, headers = person_body(), keyed()
    stored = key_id(session_factory, api, headers["Idempotency-Key"])
    away = _DatabaseAway.patch(monkeypatch, "finish")
    before = people_count(session_factory)
    created = api.post("/people", json=body, headers=headers)
    assert created.status_code == 201 and away.refused >= 1, created.text
    assert api.post("/people", json=body, headers=headers).status_code == 409  # done, but not yet kept
    away.back.set()
    assert _settled(lambda: (IdempotentRequests(session_factory).look_up(stored) or IdempotentRequest()).status == 201)
    again = api.post("/people", json=body, headers=headers)
    assert again.status_code == 201 and replayed(again) and again.json() == created.json()
    assert people_count(session_factory) == before + 1
