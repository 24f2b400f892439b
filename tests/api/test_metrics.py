"""GET /metrics: Prometheus text for admin keys only; counters that move with requests, replays and
refusals; outbox and queue gauges read at scrape time. (Several processes: tests/integration.)"""

import contextlib
import os
import uuid
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from personas.app import create_app
from personas.config import Settings
from personas.persistence.models.base import utcnow
from personas.persistence.models.events import OutboxEvent
from tests.conftest import Client, make_key
from tests.security.conftest import add_key
from tests.security.rate_limited_app import rate_limited_app
from tests.support import fresh_mariadb_database, person_body, writing

PEOPLE_ID = "/api/v1/people/{id}"


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_need_the_admin_scope(http, session_factory):
    def client_with(scopes: str) -> Client:
        return Client(http, add_key(session_factory, scopes)[0])

    anonymous = http.get("/api/v1/metrics")
    assert anonymous.status_code == 403  # the API's answer to a missing key (API-MAP.md), not 401
    assert anonymous.json() == {"success": False, "code": 403, "error": "Failed authorization"}
    for scopes in ("read", "read,write,sensitive"):
        refused = client_with(scopes).get("/metrics")
        assert refused.status_code == 403 and "'admin'" in refused.json()["error"]
    allowed = client_with("admin").get("/metrics")
    assert allowed.status_code == 200
    assert allowed.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert allowed.headers["cache-control"] == "no-store"
    assert "# TYPE personas_http_requests_total counter" in allowed.text


def test_requests_are_counted_by_route_template_and_never_by_raw_path(api):
    person_id, curp = str(uuid.uuid4()), person_body()["national_id"]
    before = scrape(api)
    assert api.get(f"/people/{person_id}").status_code == 404
    assert api.get(f"/no-such-resource/{curp}").status_code == 404
    after = scrape(api)
    counted = dict(name="personas_http_requests_total", method="GET", status="404")
    assert value(after, **counted, route=PEOPLE_ID) == value(before, **counted, route=PEOPLE_ID) + 1
    assert value(after, **counted, route="unmatched") == value(before, **counted, route="unmatched") + 1
    timed = dict(name="personas_http_request_duration_seconds_count", method="GET", route=PEOPLE_ID)
    assert value(after, **timed) == value(before, **timed) + 1
    text = api.get("/metrics").text
    assert person_id not in text and curp not in text


def test_an_idempotency_replay_is_counted(api):
    before = value(scrape(api), "personas_idempotency_replays_total")
    body, headers = person_body(), {"Idempotency-Key": str(uuid.uuid4())}
    assert api.post("/people", json=body, headers=headers).status_code == 201
    replayed = api.post("/people", json=body, headers=headers)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert value(scrape(api), "personas_idempotency_replays_total") == before + 1


def test_a_rate_limit_refusal_is_counted_by_group(api, database_url):
    before = value(scrape(api), "personas_rate_limit_refusals_total", group="per_key")
    with rate_limited_app(database_url, rate_limit="2/minute") as (limited, _key):
        statuses = [limited.get("/catalogs/states").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    after = scrape(api)
    assert value(after, "personas_rate_limit_refusals_total", group="per_key") == before + 1
    assert ("personas_rate_limit_refusals_total", frozenset({("group", "national_id_lookup")})) in after


def test_the_outbox_backlog_counts_an_event_not_dispatched_yet(api, session_factory):
    # Due in an hour: the session app's relay leaves it alone while the test looks.
    event_id, later = str(uuid.uuid4()), utcnow() + timedelta(hours=1)
    with writing(session_factory) as session:
        fields = {"name": "person_register", "resource_name": "person", "resource_id": event_id, "payload": {}}
        session.add(OutboxEvent(id=event_id, available_at=later, **fields))
        session.commit()
    try:
        assert value(scrape(api), "personas_outbox_backlog") >= 1
    finally:
        with writing(session_factory) as session:
            session.delete(session.get(OutboxEvent, event_id))
            session.commit()


@contextlib.contextmanager
def quiet_app(database_url, redis_url):
    """An app with Redis configured and no worker: nothing relays its outbox; yields an admin client."""
    app = create_app(
        Settings(database_url=database_url, redis_url=redis_url, secret_key="test", allowed_hosts=("testserver",))
    )
    state = app.container
    with app.test_client() as http:
        yield Client(http, make_key(state.session_factory)[0]), state.session_factory
    state.close()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def test_the_oldest_waiting_event_and_the_queue_depth_are_read_at_scrape_time(tmp_path, backend):
    redis_url = os.environ.get("PERSONAS_TEST_REDIS_URL")
    mariadb_url = os.environ.get("PERSONAS_TEST_MARIADB_URL")
    if not redis_url or (backend == "mariadb" and not mariadb_url):
        if os.environ.get("CI") == "true":
            pytest.fail("Redis and MariaDB are required under CI=true")
        pytest.skip("PERSONAS_TEST_REDIS_URL (or PERSONAS_TEST_MARIADB_URL) is not set")
    database_url = (
        f"sqlite:///{tmp_path / 'quiet.sqlite3'}"
        if backend == "sqlite"
        else fresh_mariadb_database(mariadb_url, f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_metrics")
    )
    with quiet_app(database_url, redis_url) as (admin, session_factory):
        empty = scrape(admin)
        with writing(session_factory) as session:
            for age in (30, 120):
                session.add(
                    OutboxEvent(
                        name="person_register",
                        resource_name="person",
                        resource_id=str(uuid.uuid4()),
                        payload={},
                        available_at=utcnow() - timedelta(seconds=age),
                    )
                )
            session.commit()
        waiting = scrape(admin)
    assert value(empty, "personas_outbox_backlog") == 0 and value(empty, "personas_outbox_oldest_age_seconds") == 0
    assert value(waiting, "personas_outbox_backlog") == 2
    assert 120 <= value(waiting, "personas_outbox_oldest_age_seconds") < 180
    assert ("personas_rq_queue_depth", frozenset()) in waiting
