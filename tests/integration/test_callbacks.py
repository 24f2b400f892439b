"""Callbacks and outgoing calls against a real HTTP server on 127.0.0.1, reached through the allowlist.

The app here is built with `outbound_allowlist=("127.0.0.1",)`, as `PERSONAS_OUTBOUND_ALLOWLIST=127.0.0.1`
would.
"""

import json
import queue
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from personas.app import create_app
from personas.config import Settings
from personas.domain.providers import outbound
from personas.jobs.callbacks import CallbackFailed, post_promoted_person
from personas.jobs.runner import JobContext
from tests.conftest import Client, make_key
from tests.support import fresh_mariadb_database, new_curp

ALLOW = ("127.0.0.1",)


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up early (the size cap test does) is expected here


class Receiver:
    """An HTTP server in a thread that records every request and answers as told."""

    def __init__(self):
        self.requests: queue.Queue = queue.Queue()
        self.status, self.headers, self.body, self.delay = 200, {}, b"{}", 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                status = receiver.status  # read before the test can see this request and change it
                receiver.requests.put((self.path, dict(self.headers), self.rfile.read(length)))
                time.sleep(receiver.delay)
                self.send_response(status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hooks/personas") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(scope="module")
def allowlisted(database_url, tmp_path_factory):
    """An app whose outgoing calls may reach 127.0.0.1; yields (client, container).

    It has a database of its own: on the session's, its job runner would first relay every event the
    other tests left pending, and the retry these tests wait for would queue behind them.
    """
    if database_url.startswith("sqlite"):
        own_url = f"sqlite:///{tmp_path_factory.mktemp('callbacks') / 'personas.sqlite3'}"
    else:
        own_url = fresh_mariadb_database(database_url, "callbacks")
    app = create_app(
        Settings(
            database_url=own_url, secret_key="test-secret", outbound_allowlist=ALLOW, allowed_hosts=("testserver",)
        )
    )
    state = app.container
    key, _ = make_key(state.session_factory, name="callbacks")
    try:
        with app.test_client() as http:
            yield Client(http, key), state
    finally:
        state.close()


def promoted(api, callback_url) -> tuple[dict, dict]:
    body = {"name": "Juan", "first_lastname": "Perez", "second_lastname": "Suares", "callback_url": callback_url}
    temporary = api.post("/temporary-people", json=body | {"national_id": new_curp(born=date(1988, 2, 12))})
    assert temporary.status_code == 201, temporary.text
    response = api.post(f"/temporary-people/{temporary.json()['result']['id']}/promote", json={})
    assert response.status_code == 201, response.text
    return temporary.json()["result"], response.json()["result"]


def test_a_promotion_posts_the_new_person_to_the_callback_url(allowlisted, receiver):
    api, _ = allowlisted
    temporary, person = promoted(api, receiver.url("/hooks/personas?token=abc"))
    path, headers, body = receiver.requests.get(timeout=10)
    assert path == "/hooks/personas?token=abc"
    sent = json.loads(body)
    assert sent["id"] == person["id"] and sent["temporary_ref_id"] == temporary["id"]
    assert sent["national_id"] == person["national_id"] and sent["name"] == "Juan"
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == temporary["id"]
    assert headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_without_a_callback_url_nothing_is_sent(allowlisted, receiver):
    api, _ = allowlisted
    promoted(api, None)
    with pytest.raises(queue.Empty):
        receiver.requests.get(timeout=1)


def test_a_receiver_that_does_not_confirm_gets_the_callback_again(allowlisted, receiver):
    api, state = allowlisted
    receiver.status = 500
    temporary, _ = promoted(api, receiver.url())
    first = receiver.requests.get(timeout=10)
    receiver.status = 200
    retried = receiver.requests.get(timeout=10)  # the job runner's retry, a second later
    assert retried[2] == first[2] and retried[1]["Idempotency-Key"] == temporary["id"]
    # What makes the runner retry: the job fails on a non-2xx answer.
    receiver.status = 503
    with pytest.raises(CallbackFailed, match="HTTP 503"):
        post_promoted_person(JobContext(state.settings, state.session_factory), temporary["id"])


def test_without_the_allowlist_the_job_refuses_loopback_and_sends_nothing(allowlisted, receiver):
    api, state = allowlisted
    temporary, _ = promoted(api, receiver.url())
    receiver.requests.get(timeout=10)  # the app's own delivery, allowed by its allowlist
    strict = JobContext(Settings(database_url="sqlite://", secret_key="test-secret"), state.session_factory)
    assert post_promoted_person(strict, temporary["id"]) is None
    with pytest.raises(queue.Empty):
        receiver.requests.get(timeout=1)


def test_the_outbound_helper_follows_no_redirect(receiver):
    receiver.status, receiver.headers = 302, {"Location": "http://169.254.169.254/latest/meta-data/"}
    response = outbound.post_json(receiver.url(), {"a": 1}, ALLOW)
    assert response.status == 302 and response.headers["location"].startswith("http://169.254")
    assert receiver.requests.qsize() == 1


def test_a_session_allowed_to_follow_redirects_checks_every_hop_with_the_guard(receiver):
    receiver.status, receiver.headers = 302, {"Location": "http://169.254.169.254/latest/meta-data/"}
    session = outbound.Session(outbound.allowlist_policy(ALLOW), redirects=3)
    with session, pytest.raises(outbound.OutboundRefused, match="non-public address"):
        session.post_json(receiver.url(), {"a": 1})
    assert receiver.requests.qsize() == 1


def test_a_redirect_to_another_origin_keeps_a_307_body_but_not_the_callers_headers(receiver):
    def resolve(host, port, type=None):  # noqa: A002 - getaddrinfo's keyword
        return [(2, 1, 6, "", ("127.0.0.1", port))]

    receiver.status, receiver.headers = 307, {"Location": f"http://127.0.0.1:{receiver.port}/next"}
    with outbound.Session(outbound.allowlist_policy(ALLOW, resolve), redirects=1) as session:
        response = session.post_json(f"http://callback.test:{receiver.port}/in", {"c": 3}, {"X-Secret": "s"})
    first, second = receiver.requests.get(timeout=5), receiver.requests.get(timeout=5)
    assert response.status == 307  # the second hop's redirect is the answer: no hop was left
    assert (first[0], second[0]) == ("/in", "/next") and json.loads(second[2]) == {"c": 3}
    assert first[1]["X-Secret"] == "s" and "X-Secret" not in second[1]
    assert second[1]["Content-Type"] == "application/json"


def test_the_outbound_helper_caps_the_response_size(receiver):
    receiver.body = b"x" * 50_000
    with pytest.raises(outbound.OutboundFailed, match="larger than 1000 bytes"):
        outbound.post_json(receiver.url(), {}, ALLOW, max_bytes=1000)


def test_the_outbound_helper_gives_up_at_its_time_limit(receiver):
    receiver.delay = 2.0
    started = time.monotonic()
    with pytest.raises(outbound.OutboundFailed, match="took longer than 0.5 s"):
        outbound.post_json(receiver.url(), {}, ALLOW, timeout=0.5)
    assert time.monotonic() - started < 1.5


def test_the_outbound_helper_connects_to_the_checked_address_and_keeps_the_host_name(receiver):
    def resolve(host, port, type=None):  # noqa: A002 - getaddrinfo's keyword
        assert host == "callback.test"
        return [(2, 1, 6, "", ("127.0.0.1", port))]

    url = f"http://callback.test:{receiver.port}/in"
    response = outbound.post_json(url, {"b": 2}, ALLOW, resolver=resolve)
    path, headers, body = receiver.requests.get(timeout=5)
    assert response.status == 200 and path == "/in" and json.loads(body) == {"b": 2}
    assert headers["Host"] == f"callback.test:{receiver.port}"
