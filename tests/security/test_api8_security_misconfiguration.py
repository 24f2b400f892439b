"""API8:2023 Security Misconfiguration: headers, error bodies, CORS, file modes."""

import contextlib
import io
import json
import os
import stat
import time
from urllib.parse import urlsplit

import pytest
import yaml
from sqlalchemy import text

from personas import config
from personas.app import create_app
from personas.config import Settings
from personas.persistence.db import BEGIN_OPTION, make_engine
from tests.conftest import Client, make_key
from tests.support import person_body

# --- Response headers, error bodies, CORS, the Host header, file modes, the published spec ---


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _answers(api):
    """One answer of each kind: success, 422, 404, 405, and refusals of the guard and of security."""
    return {
        "success": api.get("/people"),
        "invalid body": api.post("/people", json={"national_id": "nope"}),
        "unknown id": api.get("/people/00000000-0000-0000-0000-000000000000"),
        "unknown path": api.get("/no-such-thing"),
        "wrong method": api.put("/people"),
        "guard: control character": api.get("/people/%0a"),
        "guard: body too large": api.post("/people", content=b"{}", headers={"Content-Length": str(10**9)}),
        "no key": api.http.get("/api/v1/people"),
    }


def test_every_answer_forbids_sniffing_and_storing_errors_included(api):
    answers = _answers(api)
    assert [answers["success"].status_code, answers["unknown id"].status_code] == [200, 404]
    assert answers["wrong method"].status_code == 405 and answers["no key"].status_code == 403
    for kind, response in answers.items():
        assert response.headers.get("x-content-type-options") == "nosniff", kind
        assert response.headers.get("cache-control") == "no-store", kind


def test_every_answer_carries_a_request_id_and_a_valid_one_from_the_client_is_kept(api):
    kept = api.get("/people", headers={"X-Request-Id": "partner-42:abc.DEF_9"})
    assert kept.headers["x-request-id"] == "partner-42:abc.DEF_9"
    for bad in ("", "has space", "x" * 129, "semi;colon"):
        made = api.get("/people", headers={"X-Request-Id": bad}).headers["x-request-id"]
        assert made != bad and 1 <= len(made) <= 128
    first, second = api.get("/people"), api.get("/people")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


def test_the_published_spec_docs_and_health_may_be_cached_but_never_sniffed(http):
    for path in (
        "/api/v1/health",
        "/api/v1/openapi.json",
        "/api/v1/docs/",
        "/api/v1/redoc",
        "/api/v1/redoc/redoc.standalone.js",
    ):
        response = http.get(path)
        assert response.status_code == 200, path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "no-store" not in response.headers.get("cache-control", ""), path


def test_an_unexpected_error_is_a_500_envelope_without_a_stack_trace(api, monkeypatch):
    import personas.handlers.people  # noqa: F401  (binds the submodule on its package)
    from personas import handlers

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals /srv/personas/domain/people.py line 42")

    monkeypatch.setattr(handlers.people, "paginated", broken)
    response = api.get("/people")
    assert response.status_code == 500
    assert response.json() == {"success": False, "code": 500, "error": "Error interno del servidor"}
    assert "Traceback" not in response.text and "secret internals" not in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


def test_cors_is_off_an_origin_gets_no_access_control_headers(api):
    origin = {"Origin": "https://attacker.example"}
    answers = [
        api.get("/people", headers=origin),
        api.call("OPTIONS", "/people", headers=origin | {"Access-Control-Request-Method": "POST"}),
    ]
    for response in answers:
        assert not [name for name in response.headers if name.lower().startswith("access-control-")]


def test_a_host_that_is_not_allowed_is_a_400_and_appears_in_no_link(api):
    api.post("/people", json=person_body())
    api.post("/people", json=person_body())
    for path in ("/people?per_page=1", "/people/00000000-0000-0000-0000-000000000000", "/health"):
        response = api.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 400
        assert response.json() == {"success": False, "code": 400, "error": "Host desconocido"}
    listed = api.get("/people?per_page=1", headers={"Host": "testserver"}).json()["result"]
    assert urlsplit(listed["next_page_url"]).netloc == "testserver"


@contextlib.contextmanager
def _public_app(database_url, tmp_path):
    settings = Settings(
        database_url=database_url,
        secret_key="test-secret",
        storage_url=str(tmp_path / "files"),
        local_outbox=str(tmp_path / "outbox"),
        public_url="https://api.example.com",
    )
    app = create_app(settings)
    state = app.container
    with app.test_client() as http:
        yield Client(http, make_key(state.session_factory, name="public-url")[0])
    state.close()


def test_with_a_public_url_every_link_is_built_from_it_whatever_the_host_header(database_url, tmp_path):
    with _public_app(database_url, tmp_path) as api:
        evil = {"Host": "evil.example"}
        person = api.post("/people", json=person_body(), headers=evil).json()["result"]
        api.post("/people", json=person_body(), headers=evil)
        listed = api.get("/people?per_page=1", headers=evil).json()["result"]
        assert listed["next_page_url"].startswith("https://api.example.com/api/v1/people?")
        form = {"model": "person", "model_id": person["id"]}
        media = api.post("/files", data=form, files={"file": ("a.png", io.BytesIO(PNG), "image/png")}, headers=evil)
        assert media.status_code == 200, media.text
        link = api.get(f"/files/{media.json()['media']['uuid']}/temporary-url", headers=evil).json()["result"]
        assert link["temporary_url"].startswith(f"https://api.example.com/api/v1/files/{link['uuid']}/download?")
        docs = api.http.get("/api/v1/docs", headers=evil, follow_redirects=False)
        assert docs.status_code in (301, 302, 307, 308) and "evil.example" not in docs.headers["location"]


@pytest.fixture
def group_readable_umask():
    # With a strict umask any file would be private: the test sets the usual one so it can fail.
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_sqlite_database_its_journal_and_its_writer_lock_are_for_the_owner_only(tmp_path, group_readable_umask):
    database = tmp_path / "private.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    with engine.connect().execution_options(**{BEGIN_OPTION: "IMMEDIATE"}) as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.commit()
    created = [database, f"{database}-wal", f"{database}-shm", f"{database}.writer-lock"]
    assert {str(path): _mode(path) for path in created} == {str(path): 0o600 for path in created}
    engine.dispose()


def test_the_local_secret_is_created_for_the_owner_only_and_kept(tmp_path, monkeypatch, group_readable_umask):
    monkeypatch.chdir(tmp_path)
    first = config._local_secret()
    assert _mode(tmp_path / ".personas-secret") == 0o600
    assert len(first) >= 32 and config._local_secret() == first


def test_the_published_spec_has_an_etag_and_answers_304_when_the_client_has_it(http):
    for name in ("openapi.json", "openapi.yaml"):
        first = http.get(f"/api/v1/{name}")
        etag = first.headers["etag"]
        assert first.status_code == 200 and etag.startswith('"') and len(first.content) > 1000
        again = http.get(f"/api/v1/{name}", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        changed = http.get(f"/api/v1/{name}", headers={"If-None-Match": '"something-else"'})
        assert changed.status_code == 200 and changed.content == first.content


def test_the_published_spec_is_the_bundled_contract_and_says_what_connexion_itself_would_publish(http, monkeypatch):
    # Ours keeps the bundle's $refs to components; Connexion's own endpoint publishes the same document
    # fully dereferenced.
    from connexion.spec import resolve_refs

    from personas.handlers.published_spec import PublishedSpec
    from personas.spec import document

    ours = {
        "openapi.json": json.loads(http.get("/api/v1/openapi.json").content),
        "openapi.yaml": yaml.safe_load(http.get("/api/v1/openapi.yaml").content),
    }
    bundled = document() | {"servers": [{"url": "/api/v1"}]}
    assert ours["openapi.json"] == ours["openapi.yaml"] == bundled

    async def connexions_own(self, scope, receive, send):
        return await self.app(scope, receive, send)

    monkeypatch.setattr(PublishedSpec, "__call__", connexions_own)
    theirs = json.loads(http.get("/api/v1/openapi.json").content)
    assert resolve_refs(bundled) == theirs


def test_personas_serve_names_no_server_software_and_logs_access_lines_to_stderr(tmp_path):
    from tests.security.limited_server import get, limited_server

    with limited_server(tmp_path) as server:
        answer = server.exchange(get("/people/PESJ880212HDFHLX01?token=abc", b"X-Request-Id: served-1"))
        head = answer.split(b"\r\n\r\n", 1)[0].lower().split(b"\r\n")
        assert head[0].startswith(b"http/1.1 403")
        assert not [line for line in head if line.startswith(b"server:")]
        assert b"x-content-type-options: nosniff" in head
        deadline = time.monotonic() + 10
        while b"rid=served-1" not in server.stderr.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.1)
    line = next(line for line in server.stderr.read_text().splitlines() if "rid=served-1" in line)
    assert "personas.access GET /api/v1/people/{id} 403" in line
    assert "PESJ880212HDFHLX01" not in line and "token" not in line
