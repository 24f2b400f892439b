"""File rules: types from content, limits while reading, names that are never paths, signed links."""

import io
from datetime import UTC, datetime, timedelta

import pytest

from personas.domain import files
from personas.domain.errors import ValidationFailed


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"PK\x03\x04\x14\x00", "application/zip"),
        (b"national_id,name\n", "text/plain"),
        (b"\x00\x01\x02\xfe\xff", "application/octet-stream"),
    ],
)
def test_the_type_is_read_from_the_first_bytes(head, mime):
    assert files.sniff(head) == mime


def test_a_file_is_read_up_to_its_limit_and_no_further():
    class Endless(io.RawIOBase):
        read_bytes = 0

        def read(self, n=-1):
            self.read_bytes += n
            return b"\x00" * n

    source = Endless()
    with pytest.raises(files.TooLarge):
        files.receive(source, "x.bin", limit=200_000)
    assert source.read_bytes <= 200_000 + files.CHUNK


def test_a_received_file_keeps_its_size_type_and_a_clean_name():
    upload = files.receive(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"1" * 10), "C:\\fotos\\ine.png")
    assert (upload.size, upload.mime_type, upload.file_name, upload.name) == (18, "image/png", "ine.png", "ine")
    assert upload.stream.read() == b"\x89PNG\r\n\x1a\n" + b"1" * 10


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        files.receive(io.BytesIO(b""), "a.png", field="ine_front")
    assert caught.value.errors == {"ine_front": [files.EMPTY_FILE]}


@pytest.mark.parametrize(
    ("given", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("a\x00b\n.png", "ab.png"),
        ("..", "file"),
        (None, "file"),
        ("x" * 300, "x" * 200),
    ],
)
def test_file_names_are_cleaned_to_a_display_name(given, clean):
    assert files.clean_name(given) == clean


def test_only_jpeg_and_png_are_id_images():
    gif = files.receive(io.BytesIO(b"GIF89a" + b"\x00" * 10), "a.png")
    with pytest.raises(ValidationFailed):
        files.require_image(gif, "ine_front")


@pytest.mark.parametrize("text", ["[1]", "not json", '"text"'])
def test_metadata_must_be_a_json_object(text):
    with pytest.raises(ValidationFailed):
        files.parse_metadata(text)


def test_a_signature_is_valid_until_it_expires_and_only_for_its_file():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    expires = int((now + timedelta(minutes=5)).timestamp())
    signature = files.sign("secret", "media-1", expires)
    assert files.signature_ok("secret", "media-1", expires, signature, now)
    assert not files.signature_ok("secret", "media-2", expires, signature, now)
    assert not files.signature_ok("other", "media-1", expires, signature, now)
    assert not files.signature_ok("secret", "media-1", expires + 1, signature, now)
    assert not files.signature_ok("secret", "media-1", expires, signature, now + timedelta(minutes=6))


def test_a_signature_with_other_characters_is_simply_wrong():
    assert not files.signature_ok("secret", "media-1", 4_102_444_800, "ñ" * 64)


# Identity providers: the local ones decide with no network; the HTTP ones speak to a loopback stand-in.


@pytest.fixture
def provider_server():
    """A loopback HTTP server answering each request with the next queued (status, JSON); records requests."""
    import http.server
    import json
    import threading

    answers, seen = [], []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            seen.append((self.command, self.path, dict(self.headers), json.loads(body) if body else None))
            status, payload = answers.pop(0)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _answer  # noqa: N815 - the standard library's names

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_port}", answers, seen
    server.shutdown()


def test_the_local_face_verifier_matches_equal_content_only():
    from personas.domain.providers.face import LocalFaceVerifier

    verifier = LocalFaceVerifier()
    assert verifier.match(b"face", b"face").metadata()["matchLevel"] == 10
    different = verifier.match(b"face", b"other face")
    assert (different.matched, different.level, different.provider) == (False, 0, "local")


def test_the_http_face_verifier_sends_both_images_and_reads_facetecs_verdict(provider_server):
    import base64

    from personas.domain.providers.face import HttpFaceVerifier

    address, answers, seen = provider_server
    answers.append((200, {"success": True, "wasProcessed": True, "matchLevel": 7}))
    outcome = HttpFaceVerifier(f"http://device-key@{address}/match").match(b"selfie", b"front", "ref-1")
    assert (outcome.matched, outcome.level, outcome.provider) == (True, 7, "facetec")
    method, path, headers, body = seen[0]
    assert (method, path, headers["X-Device-Key"]) == ("POST", "/match", "device-key")
    assert base64.b64decode(body["image"]) == b"selfie" and body["externalDatabaseRefID"] == "ref-1"


def test_a_face_provider_without_a_verdict_is_a_failure(provider_server):
    from personas.domain.providers.face import FaceProviderFailed, HttpFaceVerifier

    address, answers, _ = provider_server
    answers.append((500, {"error": "down"}))
    with pytest.raises(FaceProviderFailed):
        HttpFaceVerifier(f"http://{address}/match").match(b"a", b"b")


def test_the_http_esign_platform_registers_signers_and_lists_documents(provider_server):
    from personas.domain.providers.esign import HttpESign

    address, answers, seen = provider_server
    answers.append((200, {"result": {"id": "s1", "document_id": "d1", "person_id": "p1"}}))
    answers.append((200, {"data": [{"id": "s1", "document_id": "d1", "person_id": "p1"}]}))
    platform = HttpESign(f"http://token@{address}/api/")
    signer = platform.register_signer(None, {"id": "p1", "name": "Ana"}, "d1", "pw", ["e1"])
    assert signer["id"] == "s1"
    assert platform.documents_of(None, "p1")[0]["document_id"] == "d1"
    assert [(m, p) for m, p, _, _ in seen] == [
        ("POST", "/api/documents/d1/signers"),
        ("GET", "/api/signers?person_id=p1"),
    ]
    assert seen[0][2]["Authorization"] == "Bearer token" and seen[0][3]["password"] == "pw"


def test_an_esign_platform_that_is_down_is_a_failure():
    from personas.domain.providers.esign import ESignFailed, HttpESign

    with pytest.raises(ESignFailed):
        HttpESign("http://127.0.0.1:9/api", timeout=1).documents_of(None, "p1")
