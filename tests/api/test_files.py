"""Files: uploads to a model, temporary files, lists, deletes and signed temporary links (local storage)."""

import io
import time
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support import person_body, writing

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x01" * 64


def image(kind=PNG, salt: str = "") -> bytes:
    return kind + salt.encode() + zlib.crc32(salt.encode()).to_bytes(4, "big")


@pytest.fixture
def person(api):
    return api.post("/people", json=person_body()).json()["result"]


def form(**fields) -> dict:
    """Plain fields sent as multipart parts (httpx sends a body with no file as urlencoded otherwise)."""
    return {name: (None, value) for name, value in fields.items()}


def upload(api, person_id, content=PNG, name="licencia.png", mime="image/png", **form):
    data = {"model": "person", "model_id": person_id, **form}
    return api.post("/files", data=data, files={"file": (name, io.BytesIO(content), mime)})


def test_an_uploaded_file_is_stored_as_a_media_of_the_person(api, person):
    response = upload(api, person["id"], collection="license", metadata='{"key": "value"}')
    assert response.status_code == 200, response.text
    # The seed's text in `result`; the media, beside it.
    assert response.json()["result"] == "File saved"
    media = response.json()["media"]
    assert media["model_type"] == "person" and media["model_id"] == person["id"]
    assert media["collection_name"] == "license"
    assert media["file_name"] == "licencia.png" and media["name"] == "licencia"
    assert media["mime_type"] == "image/png" and media["disk"] == "local"
    assert media["size"] == len(PNG) and media["custom_properties"] == {"key": "value"}
    assert isinstance(media["id"], int)


def test_the_type_comes_from_the_content_not_the_name_or_header(api, person):
    media = upload(api, person["id"], content=JPEG, name="photo.png", mime="image/png").json()["media"]
    assert media["mime_type"] == "image/jpeg"


def test_a_file_name_with_a_path_keeps_only_its_last_part(api, person):
    media = upload(api, person["id"], name="../../etc/passwd").json()["media"]
    assert media["file_name"] == "passwd"


def test_a_file_over_2_mb_is_refused_with_413(api, person):
    response = upload(api, person["id"], content=PNG + b"\x00" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert response.json()["success"] is False


def test_an_unknown_model_id_is_refused(api):
    response = upload(api, "0b8c2f3e-9a51-4a4e-8f0b-7c1d2e3f4a5b")
    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "code": 422,
        "error": {"model_id": ["No existe el registro del modelo"]},
        "rules": {"model_id": ["unknown_model_record"]},
    }


def test_metadata_that_is_not_a_json_object_is_refused(api, person):
    response = upload(api, person["id"], metadata="[1, 2]")
    assert response.status_code == 422
    assert response.json()["error"] == {"metadata": ["Debe ser un objeto JSON"]}


def test_neither_file_nor_temporary_id_is_refused(api, person):
    response = api.post("/files", files=form(model="person", model_id=person["id"]))
    assert response.status_code == 422
    assert response.json()["error"] == {"file": ["Envíe `file` o `file_tmp_id`"]}


def test_adding_a_file_records_media_added_to_model(api, person, session_factory):
    from sqlalchemy import select

    from personas.persistence.models.events import OutboxEvent

    media = upload(api, person["id"]).json()["media"]
    with session_factory() as session:
        event = session.scalars(select(OutboxEvent).where(OutboxEvent.resource_id == media["uuid"])).one()
    assert event.name == "media_added_to_model" and event.resource_name == "media"
    assert event.payload == media


def test_files_of_a_model_are_listed_by_collection(api, person):
    upload(api, person["id"], collection="license")
    upload(api, person["id"], collection="other")
    response = api.get("/files", params={"model": "person", "model_id": person["id"], "collection": "license"})
    assert response.status_code == 200
    data = response.json()["result"]["data"]
    assert [m["collection_name"] for m in data] == ["license"]
    everything = api.get("/files", params={"model": "person", "model_id": person["id"]}).json()["result"]["data"]
    assert len(everything) == 2


def test_a_temporary_url_downloads_the_file_without_an_api_key(api, http, person):
    media = upload(api, person["id"], name="ine front.png").json()["media"]
    response = api.get(f"/files/{media['uuid']}/temporary-url", params={"expires_in_min": 2})
    assert response.status_code == 200
    url = urlsplit(response.json()["result"]["temporary_url"])
    download = http.get(f"{url.path}?{url.query}")
    assert download.status_code == 200
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith('attachment; filename="ine front.png"')


def test_a_changed_or_expired_signature_gets_403(api, http, person):
    media = upload(api, person["id"]).json()["media"]
    url = urlsplit(api.get(f"/files/{media['uuid']}/temporary-url").json()["result"]["temporary_url"])
    query = parse_qs(url.query)
    expires, signature = int(query["expires"][0]), query["signature"][0]
    forged = http.get(url.path, params={"expires": expires + 60, "signature": signature})
    assert forged.status_code == 403
    assert forged.json() == {"success": False, "code": 403, "error": "Failed authorization"}
    from personas.domain.files import sign

    past = int(time.time()) - 1
    expired = http.get(url.path, params={"expires": past, "signature": sign("test-secret", media["uuid"], past)})
    assert expired.status_code == 403


def test_include_tmp_url_adds_a_link_to_each_file(api, person):
    upload(api, person["id"])
    params = {"model": "person", "model_id": person["id"], "include_tmp_url": "true"}
    data = api.get("/files", params=params).json()["result"]["data"]
    assert data[0]["temporary_url"].startswith("http")


def test_a_deleted_file_is_gone_from_the_list_and_its_link(api, http, person):
    media = upload(api, person["id"]).json()["media"]
    url = urlsplit(api.get(f"/files/{media['uuid']}/temporary-url").json()["result"]["temporary_url"])
    params = {"model": "person", "model_id": person["id"], "media_uuid": media["uuid"]}
    response = api.delete("/files", params=params)
    assert response.status_code == 200
    assert response.json() == {"success": True, "result": "Ok", "deleted": {"id": media["id"], "uuid": media["uuid"]}}
    assert api.delete("/files", params=params).status_code == 404
    assert http.get(f"{url.path}?{url.query}").status_code == 404


def test_a_file_of_another_model_is_not_deleted(api, person):
    media = upload(api, person["id"]).json()["media"]
    other = api.post("/people", json=person_body()).json()["result"]
    params = {"model": "person", "model_id": other["id"], "media_uuid": media["uuid"]}
    assert api.delete("/files", params=params).status_code == 404


def temporary(api, content=PNG, name="tmp.png"):
    response = api.post("/temporary-files", files={"file": (name, io.BytesIO(content), "application/x-anything")})
    assert response.status_code == 201, response.text
    return response.json()["result"]


def test_a_temporary_file_is_attached_by_file_tmp_id_once(api, person):
    tmp = temporary(api)
    assert tmp["mime_type"] == "image/png" and tmp["size"] == len(PNG)
    data = form(model="person", model_id=person["id"], file_tmp_id=tmp["id"])
    response = api.post("/files", files=data)
    assert response.status_code == 200, response.text
    assert response.json()["media"]["file_name"] == "tmp.png"
    again = api.post("/files", files=data)
    assert again.status_code == 422
    assert again.json()["error"] == {"file_tmp_id": ["No existe el archivo temporal o expiró"]}


def test_temporary_files_are_saved_to_models_now_or_queued(api, person):
    first, second = temporary(api), temporary(api, JPEG, "b.jpg")
    item = {"model": "person", "model_id": person["id"], "collection": "docs"}
    response = api.post("/files/temporary", json={"files": [item | {"tmp_id": first["id"]}]})
    # 200 and the seed's text either way; `queued` and `media` tell the two apart.
    assert (response.status_code, response.json()["result"]) == (200, "Files queued")
    assert response.json()["queued"] is False and response.json()["media"][0]["collection_name"] == "docs"
    queued = api.post("/files/temporary", json={"async": True, "files": item | {"tmp_id": second["id"]}})
    assert queued.status_code == 200
    assert queued.json() == {"success": True, "result": "Files queued", "queued": True, "media": []}
    for _ in range(50):
        listed = api.get("/files", params={"model": "person", "model_id": person["id"]}).json()["result"]["data"]
        if len(listed) == 2:
            break
        time.sleep(0.05)
    assert sorted(m["mime_type"] for m in listed) == ["image/jpeg", "image/png"]


def test_a_retried_save_replays_the_seeds_text_and_the_added_keys_and_saves_once(api, person):
    item = {"model": "person", "model_id": person["id"], "tmp_id": temporary(api)["id"]}
    headers = {"Idempotency-Key": f"files-{item['tmp_id']}"}
    first = api.post("/files/temporary", json={"files": item}, headers=headers)
    again = api.post("/files/temporary", json={"files": item}, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.headers.get("Idempotent-Replayed") == "true" and again.content == first.content
    assert again.json()["result"] == "Files queued" and len(again.json()["media"]) == 1
    assert len(media_of(api, person["id"])) == 1


def test_an_unknown_temporary_file_is_refused(api, person):
    item = {"tmp_id": "0b8c2f3e-9a51-4a4e-8f0b-7c1d2e3f4a5b", "model": "person", "model_id": person["id"]}
    response = api.post("/files/temporary", json={"files": item})
    assert response.status_code == 422
    assert list(response.json()["error"]) == ["files.0.tmp_id"]


@pytest.fixture
def served():
    """A loopback HTTP server answering every GET with PNG bytes; `hits` counts the requests it got."""
    import http.server
    import threading

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            hits.append(self.path)
            body = PNG if not self.path.startswith("/big") else PNG + b"\x00" * (2 * 1024 * 1024)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_port}", hits
    server.shutdown()


@pytest.fixture
def finished_jobs(container, monkeypatch):
    """Jobs the request enqueued, waited for: a test reads their outcome, not a timing guess."""
    jobs, futures = container.jobs, []
    original = jobs.enqueue

    def enqueue(name, *args):
        future = original(name, *args)
        if name == "personas.jobs.files.save_from_urls":
            futures.append(future)
        return future

    monkeypatch.setattr(jobs, "enqueue", enqueue)
    return lambda: [f.result(timeout=30) for f in futures]


def allow_loopback(container, monkeypatch):
    import dataclasses

    settings = dataclasses.replace(container.settings, outbound_allowlist=("127.0.0.1",))
    monkeypatch.setattr(container, "settings", settings)
    monkeypatch.setattr(container.job_context, "settings", settings)


def media_of(api, person_id) -> list:
    return api.get("/files", params={"model": "person", "model_id": person_id}).json()["result"]["data"]


def test_files_from_urls_and_temporary_files_are_saved_in_the_background(
    api, person, served, finished_jobs, container, monkeypatch
):
    allow_loopback(container, monkeypatch)
    address, hits = served
    tmp = temporary(api, JPEG, "b.jpg")
    owner = {"model": "person", "model_id": person["id"]}
    body = {
        "files": [{"url": f"http://{address}/docs/licencia%20a.png"} | owner],
        "files_tmp_id": [{"uuid": tmp["id"]} | owner],
    }
    response = api.post("/files/urls", json=body)
    assert response.status_code == 200
    assert response.json() == {"success": True, "result": "Files saved", "queued": True}  # the seed's text
    assert finished_jobs() == [2]
    saved = {m["file_name"]: m["mime_type"] for m in media_of(api, person["id"])}
    assert saved == {"licencia a.png": "image/png", "b.jpg": "image/jpeg"}
    assert hits == ["/docs/licencia%20a.png"]


def test_a_url_over_2_mb_saves_nothing(api, person, served, finished_jobs, container, monkeypatch):
    allow_loopback(container, monkeypatch)
    address, _ = served
    tmp = temporary(api)
    owner = {"model": "person", "model_id": person["id"]}
    body = {"files": [{"url": f"http://{address}/big.png"} | owner], "files_tmp_id": [{"uuid": tmp["id"]} | owner]}
    assert api.post("/files/urls", json=body).status_code == 200
    assert finished_jobs() == [0]
    assert media_of(api, person["id"]) == []


def test_a_name_resolving_to_loopback_is_refused_without_the_allowlist(api, person, served, finished_jobs):
    address, hits = served
    port = address.rsplit(":", 1)[1]
    body = {"files": [{"url": f"http://localhost:{port}/a.png", "model": "person", "model_id": person["id"]}]}
    refused = api.post("/files/urls", json=body)
    assert refused.status_code == 422 and list(refused.json()["error"]) == ["files.0.url"]
    assert "127.0.0.1" not in refused.text and finished_jobs() == []
    assert hits == [] and media_of(api, person["id"]) == []


def test_files_from_urls_need_existing_owners_and_temporary_files(api, person):
    url = {"url": "https://example.com/a.png", "model": "address", "model_id": person["id"]}
    response = api.post("/files/urls", json={"files": [url]})
    assert response.status_code == 422
    assert response.json()["error"] == {"files.0.model_id": ["No existe el registro del modelo"]}
    tmp = {"uuid": person["id"], "model": "person", "model_id": person["id"]}
    response = api.post("/files/urls", json={"files_tmp_id": [tmp]})
    assert list(response.json()["error"]) == ["files_tmp_id.0.uuid"]


def expire(session_factory, tmp_id):
    from datetime import datetime, timedelta

    from personas.persistence.models.temporary_files import TemporaryFile

    with writing(session_factory) as session:
        record = session.get(TemporaryFile, tmp_id)
        record.expires_at = datetime.now() - timedelta(hours=25)  # noqa: DTZ005 - naive UTC is what is stored
        key = record.storage_key
        session.commit()
    return key


def test_an_expired_temporary_file_is_refused_and_then_purged(api, person, session_factory, container, monkeypatch):
    from personas.jobs.files import purge_expired_temporary_files
    from personas.persistence.models.temporary_files import TemporaryFile

    # Every upload queues a purge on the in-process pool: it must have run before the file is expired
    # below, or it could remove the file while the refusal is being checked.
    jobs, queued = container.jobs, []
    monkeypatch.setattr(jobs, "enqueue", lambda name, *args: queued.append(type(jobs).enqueue(jobs, name, *args)))
    tmp = temporary(api)
    for future in queued:
        future.result(timeout=30)
    key = expire(session_factory, tmp["id"])
    data = form(model="person", model_id=person["id"], file_tmp_id=tmp["id"])
    assert api.post("/files", files=data).status_code == 422
    assert b"".join(container.storage.chunks(key)) == PNG
    assert purge_expired_temporary_files(container.job_context) >= 1
    with session_factory() as session:
        assert session.get(TemporaryFile, tmp["id"]) is None
    with pytest.raises(FileNotFoundError):
        container.storage.chunks(key)


def test_a_temporary_file_lives_24_hours(api):
    from datetime import datetime

    tmp = temporary(api)
    created = datetime.strptime(tmp["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    expires = datetime.strptime(tmp["expires_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert (expires - created).total_seconds() == pytest.approx(24 * 3600, abs=1)


def test_a_body_far_beyond_the_upload_limit_is_refused_before_it_is_buffered(api, person):

    from personas.spec import document

    cap = document()["paths"]["/files"]["post"]["x-personas-max-body"]
    response = api.post("/files", content=b"x" * (cap + 1), headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 413 and response.json()["code"] == 413
