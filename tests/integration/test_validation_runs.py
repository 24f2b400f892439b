"""External and document validations against a real HTTP server on 127.0.0.1 (allowlisted), jobs run twice,
and the identity checks through the local provider with files supplied through the files interface.

The app here is built with `outbound_allowlist=("127.0.0.1",)`, as `PERSONAS_OUTBOUND_ALLOWLIST=127.0.0.1` would.
"""

import io
import json
import queue
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from personas.jobs.validations import run_validation
from personas.persistence.models import OutboxEvent
from tests.api.test_files import JPEG
from tests.api.test_validations import app_with_validations, new_person, run_on_person, settled


class Validator:
    """A validation service in a thread: records each request and answers `status` with `answer`."""

    def __init__(self):
        self.requests: queue.Queue = queue.Queue()
        self.status, self.answer = 200, {"status": "ok", "data": {"score": 0.9}}
        validator = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                validator.requests.put((self.command, self.path, dict(self.headers), body))
                raw = validator.answer if isinstance(validator.answer, bytes) else json.dumps(validator.answer).encode()
                self.send_response(validator.status)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PUT = _answer  # noqa: N815 - http.server's naming

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/check") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def validator():
    server = Validator()
    yield server
    server.close()


@pytest.fixture(scope="module")
def allowlisted(database_url, tmp_path_factory):
    files = str(tmp_path_factory.mktemp("files"))
    with app_with_validations(database_url, outbound_allowlist=("127.0.0.1",), storage_url=files) as pair:
        yield pair


@pytest.fixture
def make_validation(allowlisted):
    api, _ = allowlisted
    made = []

    def make(klass, config=None, **fields):
        body = {"name": "Check", "class": klass, "execution_type": "manual", "config": config or {}} | fields
        response = api.post("/validations", json=body)
        assert response.status_code == 201, response.text
        made.append(response.json()["result"]["id"])
        return response.json()["result"]

    yield make
    for validation_id in made:
        api.put(f"/validations/{validation_id}", json={"active": False})


def external(url, **config):
    return {"url": url, "success_if": 'status == "ok" and data.score >= 0.8'} | config


def test_an_external_validation_sends_the_record_and_its_template_and_passes_on_a_good_answer(
    allowlisted, validator, make_validation
):
    api, _ = allowlisted
    config = external(validator.url(), headers={"X-Api-Key": "k1"}, body={"ref": "P-${national_id}", "who": "${name}"})
    validation = make_validation("external", config)
    person_id = new_person(api, name="Ana")
    result = run_on_person(api, person_id, validation["id"])
    assert result["status"] == 0 and result["content"] == {"status": "ok", "data": {"score": 0.9}}
    assert result["metadata"] == {"provider": "http", "http_status": 200}
    method, path, headers, body = validator.requests.get(timeout=5)
    sent = json.loads(body)
    assert method == "POST" and path == "/check" and headers["X-Api-Key"] == "k1"
    assert sent["id"] == person_id and sent["who"] == "Ana" and sent["ref"] == f"P-{sent['national_id']}"


def test_a_low_score_fails_and_an_http_error_or_a_non_json_answer_is_an_error(allowlisted, validator, make_validation):
    api, state = allowlisted
    validation = make_validation("external", external(validator.url()))
    person_id = new_person(api)
    validator.answer = {"status": "ok", "data": {"score": 0.5}}
    failed = run_on_person(api, person_id, validation["id"])
    assert failed["status"] == 1 and failed["error"] == 'success_if is false: status == "ok" and data.score >= 0.8'
    with state.session_factory() as session:
        names = session.scalars(select(OutboxEvent.name).where(OutboxEvent.resource_id == person_id)).all()
    assert names.count("person_fail_validation") == 1
    validator.status = 500
    api.post(f"/validation-results/{failed['id']}/run")
    assert settled(api, failed["id"])["error"] == "HTTP 500"
    validator.status, validator.answer = 200, b"<html>ok</html>"
    api.post(f"/validation-results/{failed['id']}/run")
    assert settled(api, failed["id"])["error"] == "La respuesta no es JSON / The answer is not JSON"


def test_a_get_validation_sends_no_body_and_a_path_alone_judges_truth(allowlisted, validator, make_validation):
    api, _ = allowlisted
    validator.answer = {"data": {"valid": True}}
    validation = make_validation(
        "external", {"url": validator.url("/v?x=1"), "method": "GET", "success_if": "data.valid"}
    )
    assert run_on_person(api, new_person(api), validation["id"])["status"] == 0
    method, path, _, body = validator.requests.get(timeout=5)
    assert (method, path, body) == ("GET", "/v?x=1", b"")


def test_running_the_same_job_again_changes_nothing(allowlisted, validator, make_validation):
    api, state = allowlisted
    validation = make_validation("external", external(validator.url()))
    person_id = new_person(api)
    result = run_on_person(api, person_id, validation["id"])
    assert run_validation(state.job_context, result["id"]) is None
    assert api.get(f"/validation-results/{result['id']}").json()["result"] == result
    assert validator.requests.qsize() == 1


def upload(api, person_id, collection, name, content) -> None:
    """A file in the person's collection, through POST /files as a client would send it."""
    form = {"model": (None, "person"), "model_id": (None, person_id), "collection": (None, collection)}
    response = api.post("/files", files=form | {"file": (name, io.BytesIO(content))})
    assert response.status_code == 200, response.text


def face_match(api, person_id, selfie) -> None:
    """The selfie lands in the person's `selfie` collection, which anti-spoofing and duplicity read."""
    images = {"selfie": ("s.jpg", io.BytesIO(selfie)), "ine_front": ("f.jpg", io.BytesIO(selfie))}
    assert api.post(f"/people/{person_id}/face-match", files=images).status_code == 200


def test_a_document_validation_uploads_the_collection_s_file_as_multipart(allowlisted, validator, make_validation):
    api, _ = allowlisted
    config = {"url": validator.url(), "collection": "license", "file_field_name": "document", "success_if": "true"}
    validation = make_validation("document", config)
    person_id = new_person(api)
    missing = run_on_person(api, person_id, validation["id"])
    assert missing["status"] == 2 and missing["error"].endswith("The record has no file in collection 'license'")
    upload(api, person_id, "license", "licencia.pdf", b"%PDF-1.4 license")
    assert api.post(f"/validation-results/{missing['id']}/run?force=true").status_code == 200
    assert settled(api, missing["id"])["status"] == 0
    _, _, headers, body = validator.requests.get(timeout=5)
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="document"; filename="licencia.pdf"' in body and b"%PDF-1.4 license" in body


def test_identity_checks_go_through_the_local_provider_and_say_so(allowlisted, make_validation):
    api, _ = allowlisted
    person_id = new_person(api)
    ine, spoofing, duplicity = (make_validation(k) for k in ("ine", "anti_spoofing", "face_duplicity"))
    images = {"ine_front": ("f.jpg", io.BytesIO(JPEG + b"front")), "ine_reverse": ("r.jpg", io.BytesIO(JPEG + b"r"))}
    assert api.post(f"/people/{person_id}/ine", files=images).status_code == 200
    face_match(api, person_id, JPEG + b"SPOOF face")
    passed = run_on_person(api, person_id, ine["id"])
    assert passed["status"] == 0 and passed["metadata"] == {"provider": "local"}
    assert passed["content"]["faceOnDocumentStatusEnumInt"] == "LIKELY_ORIGINAL_FACE"
    assert run_on_person(api, person_id, spoofing["id"])["status"] == 1
    face = JPEG + uuid.uuid4().bytes
    first, second = new_person(api), new_person(api)
    face_match(api, first, face)
    assert run_on_person(api, first, duplicity["id"])["content"] == {"duplicated": False, "matches": []}
    face_match(api, second, face)
    duplicated = run_on_person(api, second, duplicity["id"])
    assert duplicated["status"] == 1 and duplicated["content"] == {"duplicated": True, "matches": [first]}
