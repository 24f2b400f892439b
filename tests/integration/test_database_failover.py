"""A database that fails under the service: several hosts with failover, transactions run again after a
conflict or a lost connection, and a COMMIT whose answer is lost (MariaDB, through a loopback TCP proxy
that cuts the connection at the moment the test asks for).
"""

import contextlib
import os
import socket
import threading
from contextlib import contextmanager

import pymysql
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from personas.app import create_app
from personas.config import Settings
from personas.persistence.db import make_engine, safe_url, split_hosts
from personas.persistence.models import Person
from personas.persistence.retry import CommitOutcomeUnknown, can_run_again, retrying
from tests.conftest import Client, make_key
from tests.support import fresh_mariadb_database, person_body

COMMIT = b"\x03COMMIT"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def mariadb_url():
    url = os.environ.get("PERSONAS_TEST_MARIADB_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("PERSONAS_TEST_MARIADB_URL is not set: MariaDB is required under CI=true")
        pytest.skip("PERSONAS_TEST_MARIADB_URL is not set")
    return fresh_mariadb_database(url, f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_failover")


class CuttingProxy:
    """Relays 127.0.0.1:port to the server; told to, it cuts the client's connection at its next COMMIT,
    either before the server sees it (`before`) or after the server has answered it (`after`)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.cut: str | None = None
        self.cuts = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.closing = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            link = {"swallow": False}  # this connection's server answer that the client must not get
            threading.Thread(target=self._to_server, args=(client, server, link), daemon=True).start()
            threading.Thread(target=self._to_client, args=(server, client, link), daemon=True).start()

    def _to_server(self, client, server, link):
        with self._closing(client, server):
            while data := client.recv(65536):
                if COMMIT in data and self.cut:
                    mode, self.cut = self.cut, None
                    self.cuts += 1
                    if mode == "before":
                        return
                    # `after`: the server gets COMMIT; the other direction drops its answer and cuts.
                    link["swallow"] = True
                server.sendall(data)

    def _to_client(self, server, client, link):
        with self._closing(server, client):
            while data := server.recv(65536):
                if link["swallow"]:
                    return
                client.sendall(data)

    @staticmethod
    @contextmanager
    def _closing(*sockets):
        try:
            yield
        except OSError:
            pass
        finally:
            for s in sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()

    def close(self):
        self.closing = True
        self.listener.close()


@contextmanager
def app_on(database_url):
    app = create_app(Settings(database_url=database_url, secret_key="test-secret", allowed_hosts=("testserver",)))
    state = app.container
    key, _ = make_key(state.session_factory, name="failover")
    try:
        with app.test_client() as http:
            yield Client(http, key), state
    finally:
        state.close()


def _count(state, national_id) -> int:
    with state.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Person).where(Person.national_id == national_id))


def test_a_url_names_several_hosts():
    base, hosts = split_hosts("mysql+pymysql://u:p%40ss@db1:3306,db2,[::1]:3307/personas?charset=utf8mb4")
    assert hosts == [("db1", 3306), ("db2", None), ("::1", 3307)]
    assert (base.host, base.port, base.database, base.password) == ("db1", 3306, "personas", "p@ss")
    # What the commands print: every host, no password.
    assert safe_url("mysql+pymysql://u:p%40ss@db1:3306,db2/personas?charset=utf8mb4") == (
        "mysql+pymysql://u:***@db1:3306,db2/personas"
    )


def test_the_engine_passes_over_a_host_that_does_not_answer(mariadb_url):
    from sqlalchemy.engine import make_url

    real = make_url(mariadb_url)
    dead = _free_port()  # nothing listens there
    url = real.set(host="127.0.0.1", port=dead).render_as_string(hide_password=False)
    url = url.replace(f"127.0.0.1:{dead}", f"127.0.0.1:{dead},127.0.0.1:{real.port}")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT @@port")).scalar() == real.port
    finally:
        engine.dispose()


def test_no_host_answering_is_an_error_to_run_again():
    engine = make_engine(f"mysql+pymysql://u:p@127.0.0.1:{_free_port()},127.0.0.1:{_free_port()}/x")
    try:
        with pytest.raises(OperationalError) as raised, engine.connect():
            pass
        assert can_run_again(raised.value)
    finally:
        engine.dispose()


def _conflict(code=1213):
    return OperationalError("UPDATE ...", {}, pymysql.err.OperationalError(code, "Deadlock found"))


def test_a_conflict_runs_the_transaction_again_and_a_lasting_one_is_raised():
    calls = []

    def flaky(fail_times):
        calls.append(1)
        if len(calls) <= fail_times:
            raise _conflict()
        return "done"

    assert retrying(flaky)(2) == "done" and len(calls) == 3
    calls.clear()
    with pytest.raises(OperationalError):
        retrying(flaky, attempts=3)(10)
    assert len(calls) == 3
    calls.clear()

    def refused():
        calls.append(1)
        raise OperationalError("SELECT", {}, pymysql.err.OperationalError(1146, "no such table"))

    with pytest.raises(OperationalError):
        retrying(refused)()
    assert len(calls) == 1  # not a conflict: not run again


def test_a_unit_of_work_that_committed_is_not_run_again(mariadb_url):
    from personas.persistence.retry import note_commit

    calls = []

    def committed_then_conflict():
        calls.append(1)
        note_commit()  # as UnitOfWork.commit does
        raise _conflict()

    with pytest.raises(OperationalError):
        retrying(committed_then_conflict)()
    assert len(calls) == 1


def test_an_exhausted_conflict_is_a_503_with_retry_after(mariadb_url):
    # The service's connections wait one second for a row lock (through the URL, so no other test's are
    # touched); the test holds the row's lock longer than all the attempts together.
    with app_on(_short_lock_waits(mariadb_url)) as (api, _state):
        created = api.post("/people", json=person_body())
        assert created.status_code == 201, created.text
        person_id = created.json()["result"]["id"]
        holder = pymysql.connect(**_connect_args(mariadb_url))
        try:
            with holder.cursor() as cur:
                cur.execute("BEGIN")
                cur.execute("SELECT id FROM people WHERE id = %s FOR UPDATE", (person_id,))
            answer = api.put(f"/people/{person_id}", json={"name": "Otra"})  # 1205 at every attempt
        finally:
            holder.rollback()
            holder.close()
        assert answer.status_code == 503, answer.text
        assert answer.headers["Retry-After"] == "1" and answer.json()["code"] == 503
        again = api.put(f"/people/{person_id}", json={"name": "Otra"})
        assert again.status_code == 200, again.text


def test_a_conflict_that_clears_is_run_again_unseen(mariadb_url):
    with app_on(_short_lock_waits(mariadb_url)) as (api, _state):
        person_id = api.post("/people", json=person_body()).json()["result"]["id"]
        holder = pymysql.connect(**_connect_args(mariadb_url))
        with holder.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("SELECT id FROM people WHERE id = %s FOR UPDATE", (person_id,))
        # The lock goes away after the first attempt timed out: the second attempt succeeds.
        timer = threading.Timer(1.3, lambda: (holder.rollback(), holder.close()))
        timer.start()
        answer = api.put(f"/people/{person_id}", json={"name": "Otra"})
        timer.join()
        assert answer.status_code == 200, answer.text
        assert api.get(f"/people/{person_id}").json()["result"]["name"] == "Otra"


def _short_lock_waits(url: str) -> str:
    from sqlalchemy.engine import make_url

    short = make_url(url).update_query_dict({"init_command": "SET SESSION innodb_lock_wait_timeout = 1"})
    return short.render_as_string(hide_password=False)


def _connect_args(url: str) -> dict:
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return {"host": u.host, "port": u.port, "user": u.username, "password": u.password, "database": u.database}


@pytest.mark.parametrize("cut", ["before", "after"])
def test_a_connection_lost_at_commit_gives_one_person(mariadb_url, cut, caplog, monkeypatch):
    """Cut before the server saw COMMIT: nothing is in, the request is run again. Cut after the server
    committed: the person is in, and the client gets its 201 rather than a second person or an error."""
    from sqlalchemy.engine import make_url

    from personas.bootstrap import Container

    # The proxy cuts the first COMMIT it sees: the app's outbox relay must not be the one to send it.
    monkeypatch.setattr(Container, "relay_in_process", lambda _self: None)

    real = make_url(mariadb_url)
    proxy = CuttingProxy((real.host, real.port))
    caplog.set_level("INFO")
    try:
        # A read timeout, so that a fault of the proxy fails the test instead of hanging the run.
        proxied = real.set(port=proxy.port).update_query_dict({"read_timeout": "20"})
        with app_on(proxied.render_as_string(hide_password=False)) as (api, state):
            body = person_body()
            proxy.cut = cut
            created = api.post("/people", json=body)
            assert proxy.cuts == 1
            assert created.status_code == 201, created.text
            assert _count(state, body["national_id"]) == 1
            person = api.get(f"/people/{created.json()['result']['id']}")
            assert person.status_code == 200 and person.json()["result"]["national_id"] == body["national_id"]
        said = {r.getMessage() for r in caplog.records if r.name in ("personas.uow", "personas.retry")}
        if cut == "after":
            assert "COMMIT's answer was lost with its connection; the transaction is in" in said
        else:
            assert any("run again after error" in m for m in said), said
    finally:
        proxy.close()


def test_commit_outcome_unknown_is_a_503(mariadb_url):
    from personas.persistence.retry import is_unavailable

    assert is_unavailable(CommitOutcomeUnknown("lost")) and not can_run_again(CommitOutcomeUnknown("lost"))


def test_an_answer_the_database_cannot_keep_still_goes_out_and_the_key_stays_claimed(mariadb_url, monkeypatch):
    """The person is committed when the Idempotency-Key's answer is stored; if that store fails (its node
    died), the client still gets its 201, and a retry with the key is not run a second time."""
    from personas.persistence.repositories.idempotency import IdempotentRequests

    def lost(*_args, **_kwargs):
        raise OperationalError(
            "UPDATE", {}, pymysql.err.OperationalError(2013, "Lost connection"), connection_invalidated=True
        )

    with app_on(mariadb_url) as (api, state):
        monkeypatch.setattr(IdempotentRequests, "_finish", lost)
        body = person_body()
        headers = {"Idempotency-Key": f"failover-{body['national_id']}"}
        first = api.post("/people", json=body, headers=headers)
        assert first.status_code == 201, first.text
        monkeypatch.undo()
        again = api.post("/people", json=body, headers=headers)
        assert again.status_code == 409, again.text  # claimed until its lease ends: never made twice
        assert _count(state, body["national_id"]) == 1
