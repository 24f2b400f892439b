"""The documentation pages: Redoc (`/redoc`, with the webhooks) beside Swagger UI (`/docs`), served offline,
each under a Content-Security-Policy that allows what its page does, and the spec's webhook guide."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from importlib.metadata import distribution

import pytest
from standardwebhooks.webhooks import Webhook

from personas.domain import notification_channels, webhooks
from personas.handlers import redoc

PAGE = "/api/v1/redoc"
BUNDLE = "/api/v1/redoc/redoc.standalone.js"


class _Tags(HTMLParser):
    """The start tags of a page, in order, with their attributes, and whether each script has a body."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def tags_of(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    return parser


def policy(response) -> dict[str, set[str]]:
    """The Content-Security-Policy header as {directive: sources}."""
    directives = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def allows(directives: dict, kind: str, source: str) -> bool:
    """Whether `source` may be used for `kind` (worker-src falls back to script-src, then to default-src)."""
    chain = {"worker-src": ["worker-src", "child-src", "script-src", "default-src"]}.get(kind, [kind, "default-src"])
    found = next(name for name in chain if name in directives)
    return source in directives[found]


def installed_bundle() -> bytes:
    return distribution(redoc.DISTRIBUTION).locate_file(redoc.BUNDLE_FILE).read_bytes()


def test_the_redoc_page_loads_the_bundle_and_the_spec_from_this_service_only(http):
    response = http.get(PAGE)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = tags_of(response.text)
    names = [tag for tag, _ in page.tags]
    # The bundle starts Redoc on the <redoc> element present when it runs: the element comes first.
    assert names.index("redoc") < names.index("script")
    element = dict(page.tags)["redoc"]
    sources = [attrs["src"] for tag, attrs in page.tags if tag == "script"]
    assert element["spec-url"] == "/api/v1/openapi.json" and sources == [BUNDLE]
    assert page.inline_scripts == []
    assert not re.search(r"(src|href)=\"(https?:)?//", response.text), "nothing may come from elsewhere"

    spec = http.get(element["spec-url"])
    assert spec.status_code == 200 and spec.headers["content-type"] == "application/json"
    script = http.get(sources[0])
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.content == installed_bundle()


def test_the_bundle_is_cached_and_revalidated_by_etag(http):
    first = http.get(BUNDLE)
    assert "max-age" in first.headers["cache-control"] and "no-store" not in first.headers["cache-control"]
    again = http.get(BUNDLE, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert http.get(BUNDLE, headers={"If-None-Match": '"other"'}).status_code == 200


def test_the_bundle_is_found_without_importing_django():
    # The sidecar's package imports Django; the file is read through the distribution's metadata instead.
    code = (
        "import sys; from personas.handlers import redoc; body = redoc.bundle(); "
        "print(len(body), sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'drf_spectacular_sidecar')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    size, imported = out.stdout.split(" ", 1)
    assert int(size) > 100_000 and imported.strip() == "[]"


def test_the_redoc_page_takes_get_and_head_only(http):
    head = http.head(PAGE)
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/html")
    for method in ("POST", "PUT", "DELETE"):
        response = http.request(method, PAGE)
        assert response.status_code == 405, method
        assert response.json()["code"] == 405
        assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "HEAD"}


def test_the_redoc_policy_allows_what_the_bundle_does_and_nothing_from_elsewhere(http):
    response = http.get(PAGE)
    directives = policy(response)
    bundle = installed_bundle()
    assert directives["default-src"] == {"'none'"} and directives["frame-ancestors"] == {"'none'"}
    # Scripts: the bundle, from this origin; the page has no inline script, so none is allowed.
    assert allows(directives, "script-src", "'self'") and not allows(directives, "script-src", "'unsafe-inline'")
    # Redoc's search index runs in a Worker made from a blob: URL.
    assert b"new Worker(URL.createObjectURL(new Blob(" in bundle
    assert allows(directives, "worker-src", "blob:")
    # Its styles are <style> elements it creates at run time.
    assert b'createElement("style")' in bundle
    assert allows(directives, "style-src", "'unsafe-inline'")
    # The spec is fetched from this origin.
    assert allows(directives, "connect-src", "'self'")
    assert not [s for sources in directives.values() for s in sources if s.startswith(("http", "*"))]


def test_the_swagger_ui_policy_allows_its_inline_start_and_api_answers_allow_nothing(http, api):
    docs = http.get("/api/v1/docs/")
    assert docs.status_code == 200
    page = tags_of(docs.text)
    directives = policy(docs)
    # Connexion's Swagger UI starts from an inline script and loads its files from beside the page.
    assert page.inline_scripts and allows(directives, "script-src", "'unsafe-inline'")
    assert all(not attrs.get("src", "./").startswith("http") for _, attrs in page.tags)
    assert allows(directives, "script-src", "'self'") and allows(directives, "connect-src", "'self'")
    assert policy(http.get("/api/v1/docs/swagger-ui-bundle.js")) == directives
    for answer in (api.get("/people"), api.get("/no-such-thing"), http.get("/api/v1/openapi.json")):
        assert policy(answer)["default-src"] == {"'none'"}
        assert policy(answer)["frame-ancestors"] == {"'none'"}


def test_the_spec_redoc_loads_has_the_six_webhooks_with_their_payloads_in_spanish(http):
    spec = http.get("/api/v1/openapi.json").json()
    hooks = spec["x-webhooks"]
    assert set(hooks) == set(notification_channels.EVENTS)
    for name, item in hooks.items():
        post = item["post"]
        assert "Webhook enviado" in post["description"], name
        schema = post["requestBody"]["content"]["application/json"]["schema"]
        component = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        assert {"event", "resource_id", "resource_name", "payload"} <= set(component["properties"]), name
        headers = {p["$ref"].rsplit("/", 1)[-1] for p in post["parameters"]}
        assert headers == {"WebhookIdHeader", "WebhookTimestampHeader", "WebhookSignatureHeader"}, name
    # Swagger UI does not show x-webhooks: its readers find the Redoc page from the description.
    assert "](/api/v1/redoc)" in spec["info"]["description"]


def _code_block(language: str, text: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 1, f"one {language} block expected"
    return blocks[0]


def _delivery(secret: str, when: int) -> tuple[dict, bytes]:
    """A webhook as the service sends it: the headers of domain.webhooks and the exact body."""
    body = webhooks.encode(webhooks.document("person_register", "a777fe73", "person", {"name": "Juan Pérez"}))
    webhook_id = "0b5c1a9e-2f4d-4c3b-8a7e-6d5f4e3c2b1a"
    headers = {"webhook-id": webhook_id, "webhook-timestamp": str(when)}
    headers["webhook-signature"] = webhooks.sign(secret, webhook_id, when, body)
    return headers, body


def test_the_python_example_of_the_description_verifies_what_the_service_sends(http):
    description = http.get("/api/v1/openapi.json").json()["info"]["description"]
    namespace = {}
    exec(_code_block("python", description), namespace)  # noqa: S102 - the spec's own example, tested
    verify = namespace["verify"]
    secret = webhooks.new_secret()
    headers, body = _delivery(secret, int(time.time()))
    assert verify(secret, headers, body)
    assert not verify(secret, headers, body.replace(b"Juan", b"Jose"))
    assert not verify(webhooks.new_secret(), headers, body)
    rotated = headers | {"webhook-signature": "v1,bm90IGl0 " + headers["webhook-signature"]}
    assert verify(secret, rotated, body)
    old, old_body = _delivery(secret, int(time.time()) - 3600)
    assert not verify(secret, old, old_body)


@pytest.mark.skipif(not all(shutil.which(tool) for tool in ("bash", "openssl", "base64", "od")), reason="no openssl")
def test_the_openssl_example_of_the_description_signs_as_standard_webhooks_verifies(http, tmp_path):
    description = http.get("/api/v1/openapi.json").json()["info"]["description"]
    script = _code_block("sh", description)
    # curl only prints what it would send: nothing leaves the machine.
    stub = 'curl() { for arg in "$@"; do printf "%s\\n" "$arg"; done; }\n'
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C"}
    out = subprocess.run(["bash", "-c", stub + script], capture_output=True, text=True, timeout=30, env=env)
    assert out.returncode == 0, out.stderr
    args = out.stdout.splitlines()
    headers = dict(args[i + 1].split(": ", 1) for i, arg in enumerate(args) if arg == "-H")
    body = args[args.index("--data-binary") + 1].encode()
    secret = re.search(r"SECRET='(whsec_[^']+)'", script).group(1)
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 16
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    assert headers["webhook-signature"] == webhooks.sign(
        secret, headers["webhook-id"], int(headers["webhook-timestamp"]), body
    )
