"""API10:2023 Unsafe Consumption of APIs: misbehaving providers end in a clean error of ours."""

import pytest

# Providers (face matcher, e-signature platform, SMS gateway, partner checks) served by a local server
# that misbehaves: an HTML page, 50 MB, a redirect to an address that is not allowlisted, or silence.
# Everything stays on loopback: the redirect points at 127.0.0.2, where a trap counts any visit.
TIMEOUT = 1.0
HUGE = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def misbehaving():
    """(base URL, stats): /html, /huge, /redirect, /hang; stats["sent"] counts the bytes /huge wrote."""
    import http.server
    import threading

    stats, release = {"sent": 0, "trapped": 0}, threading.Event()

    class Trap(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            stats["trapped"] += 1
            self.send_response(200)
            self.end_headers()

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    trap = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Trap)

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = self.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or self.path
            if "hang" in self.path:
                release.wait(30)
                return
            if "redirect" in self.path:
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.2:{trap.server_address[1]}/{path}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            huge = "huge" in self.path
            body = b"<html><body>Bad gateway, in HTML</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "application/json" if huge else "text/html")
            self.send_header("Content-Length", str(HUGE if huge else len(body)))
            self.end_headers()
            if not huge:
                self.wfile.write(body)
                return
            chunk = b"[" * 65536
            try:
                while stats["sent"] < HUGE:
                    self.wfile.write(chunk)
                    stats["sent"] += len(chunk)
            except OSError:
                pass  # the client hung up: what we want

        do_GET = do_POST = _answer  # noqa: N815

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = trap.daemon_threads = True
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (server, trap)]
    for thread in threads:
        thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", stats
    release.set()
    for s in (server, trap):
        s.shutdown()
        s.server_close()


def _policy():
    from personas.domain.providers.resolver import SystemResolver
    from personas.domain.url_guard import Allowlist, UrlPolicy

    return UrlPolicy(Allowlist.parse(("127.0.0.1",)), SystemResolver())


def _providers(base: str, mode: str):
    from personas.domain.providers import esign, face, messaging

    policy = _policy()
    return {
        "face": (
            lambda: face.HttpFaceVerifier(f"{base}/{mode}", TIMEOUT, policy).match(b"a", b"b"),
            face.FaceProviderFailed,
        ),
        "esign": (
            lambda: esign.HttpESign(f"{base}/{mode}", TIMEOUT, policy).documents_of(None, "p1"),
            esign.ESignFailed,
        ),
        "sms": (
            lambda: messaging.HttpSmsSender(f"{base}/{mode}", TIMEOUT, policy).send("+5215512345678", "1234"),
            messaging.DeliveryFailed,
        ),
    }


@pytest.mark.parametrize("mode", ["html", "huge", "redirect", "hang"])
@pytest.mark.parametrize("provider", ["face", "esign", "sms"])
def test_a_misbehaving_provider_ends_in_our_own_error_within_the_timeout(misbehaving, provider, mode):
    import time
    import tracemalloc

    base, stats = misbehaving
    call, failure = _providers(base, mode)[provider]
    trapped, started = stats["trapped"], time.monotonic()
    tracemalloc.start()
    try:
        with pytest.raises(failure) as failed:
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < TIMEOUT + 1.0
    assert peak < 8 * 1024 * 1024 and stats["trapped"] == trapped  # never read whole, never followed
    assert "127.0.0" not in str(failed.value) and "<html" not in str(failed.value)


def test_the_50_mb_answer_is_dropped_after_the_first_chunks(misbehaving):
    from personas.domain.providers import face

    base, stats = misbehaving
    with pytest.raises(face.FaceProviderFailed, match="larger than"):
        face.HttpFaceVerifier(f"{base}/huge", TIMEOUT, _policy()).match(b"a", b"b")
    assert stats["sent"] < HUGE


def test_a_misbehaving_face_matcher_is_a_503_envelope_of_ours(api, misbehaving, container, monkeypatch):
    from personas.domain.providers import face
    from tests.api.test_files import PNG, image
    from tests.support import person_body

    base, _ = misbehaving
    person = api.post("/people", json=person_body()).json()["result"]
    for mode in ("html", "huge", "redirect", "hang"):
        verifier = face.HttpFaceVerifier(f"{base}/{mode}", TIMEOUT, _policy())
        monkeypatch.setitem(container.providers, "face", verifier)
        files = {"selfie": ("s.png", image(PNG, "a")), "ine_front": ("f.png", image(PNG, "b"))}
        response = api.post(f"/people/{person['id']}/face-match", files=files)
        assert response.status_code == 503, (mode, response.text)
        assert response.json()["success"] is False and response.json()["code"] == 503
        assert "<html" not in response.text and "127.0.0" not in response.text


@pytest.mark.parametrize("mode", ["html", "huge", "redirect", "hang"])
def test_a_misbehaving_partner_check_ends_in_a_failed_validation_result(misbehaving, mode):
    import time

    from personas.domain import validation_checks as checks
    from personas.domain.validations import ERROR, FAILED
    from personas.jobs.validations import call

    base, stats = misbehaving
    work = checks.Work(
        "r1", 0, "external", {"url": f"{base}/{mode}", "success_if": "answer.ok == true"}, "person", "p1"
    )
    work.subject = {"id": "p1"}

    def http(method, url, headers, body, upload):
        return call(method, url, headers, body, upload, ("127.0.0.1",), timeout=TIMEOUT)

    trapped, started = stats["trapped"], time.monotonic()
    status, _content, _metadata, error = checks.execute(work, http, identity=None)
    assert status in (ERROR, FAILED) and error
    assert time.monotonic() - started < TIMEOUT + 1.0 and stats["trapped"] == trapped
