"""The real messaging adapters against real local servers: an SMTP server (aiosmtpd) and an HTTP SMS endpoint."""

import base64
import email
import email.policy
import json
import re
import socket
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from personas.domain.providers.messaging import DeliveryFailed, HttpSmsSender, SmtpEmailSender
from tests.support import person_body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        """The messages sent to `address`. The app under test also mails its notification channels (the
        relay delivers events of other tests' email channels through the same, monkeypatched, provider)."""
        return [m for m, e in zip(self.messages, self.envelopes, strict=True) if address in e.rcpt_tos]


def _login(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"kyc" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers the 535 itself


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=_login, auth_require_tls=False)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def parts(message) -> dict:
    return {part.get_content_type(): part.get_content() for part in message.walk() if not part.is_multipart()}


def test_the_smtp_sender_logs_in_and_sends_a_text_and_an_html_part(smtp_server):
    inbox, port = smtp_server
    sender = SmtpEmailSender(f"smtp://kyc:s3cret@127.0.0.1:{port}?from=kyc@personas.example")
    metadata = sender.send("ana@example.com", "Asunto", "Hola, texto", "<p>Hola, <b>HTML</b></p>")
    assert metadata["provider"] == "smtp" and metadata["message_id"].startswith("<")
    [message] = inbox.messages
    assert message["To"] == "ana@example.com" and message["From"] == "kyc@personas.example"
    assert message["Subject"] == "Asunto" and message["Message-ID"] == metadata["message_id"]
    found = parts(message)
    assert found["text/plain"].strip() == "Hola, texto"
    assert found["text/html"].strip() == "<p>Hola, <b>HTML</b></p>"


def test_wrong_smtp_credentials_and_an_absent_server_are_delivery_failures(smtp_server):
    _, port = smtp_server
    with pytest.raises(DeliveryFailed):
        SmtpEmailSender(f"smtp://kyc:wrong@127.0.0.1:{port}").send("a@example.com", "s", "t", "<p>h</p>")
    with pytest.raises(DeliveryFailed):
        SmtpEmailSender(f"smtp://127.0.0.1:{free_port()}").send("a@example.com", "s", "t", "<p>h</p>")


def test_an_email_code_sent_through_smtp_confirms_the_email(api, smtp_server, container, monkeypatch):
    inbox, port = smtp_server
    monkeypatch.setitem(container.providers, "email", SmtpEmailSender(f"smtp://kyc:s3cret@127.0.0.1:{port}"))
    person_id = api.post("/people", json=person_body()).json()["result"]["id"]
    address = f"ana.{uuid.uuid4().hex[:10]}@example.com"
    contact = api.post("/contact-data", json={"person_id": person_id, "email": address, "phone": "5591038054"})
    contact = contact.json()["result"]

    sent = api.post("/contact-data/email/send", json={"person_id": person_id, "email": address})
    assert sent.status_code == 200, sent.text
    assert sent.json()["sent"]["metadata"]["provider"] == "smtp"
    [message] = inbox.to(address)
    found = parts(message)
    code = re.search(r"\b(\d{6})\b", found["text/plain"]).group(1)
    assert code in found["text/html"]

    body = {"person_id": person_id, "email": address, "code": code}
    confirmed = api.post("/contact-data/email/verify", json=body)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["contact_data"] == contact | {
        "email_confirmation": True,
        "updated_at": confirmed.json()["contact_data"]["updated_at"],
    }


class _SmsEndpoint(BaseHTTPRequestHandler):
    received: list = []
    status = 202

    def do_POST(self):  # noqa: N802 - http.server's hook name
        length = int(self.headers["Content-Length"])
        self.received.append((self.path, dict(self.headers), json.loads(self.rfile.read(length))))
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b'{"id": "msg-1"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_endpoint():
    _SmsEndpoint.received = []
    server = HTTPServer(("127.0.0.1", 0), _SmsEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_the_http_sms_sender_posts_json_with_basic_auth(sms_endpoint):
    port = sms_endpoint.server_address[1]
    sender = HttpSmsSender(f"http://kyc:s3cret@127.0.0.1:{port}/send")
    assert sender.send("+525591038054", "Tu código es 123456") == {"provider": "http", "status": 202}
    [(path, headers, body)] = _SmsEndpoint.received
    assert path == "/send" and body == {"to": "+525591038054", "body": "Tu código es 123456"}
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"kyc:s3cret").decode()
    assert headers["Content-Type"] == "application/json"


def test_an_sms_endpoint_that_answers_an_error_is_a_delivery_failure(sms_endpoint, monkeypatch):
    monkeypatch.setattr(_SmsEndpoint, "status", 500)
    with pytest.raises(DeliveryFailed):
        HttpSmsSender(f"http://127.0.0.1:{sms_endpoint.server_address[1]}/send").send("+525591038054", "x")


def test_a_send_the_smtp_server_refuses_keeps_the_previous_code_valid(api, smtp_server, container, monkeypatch):
    inbox, port = smtp_server
    person_id = api.post("/people", json=person_body()).json()["result"]["id"]
    address = f"ana.{uuid.uuid4().hex[:10]}@example.com"
    api.post("/contact-data", json={"person_id": person_id, "email": address, "phone": "5591038054"})
    monkeypatch.setitem(container.providers, "email", SmtpEmailSender(f"smtp://kyc:s3cret@127.0.0.1:{port}"))
    assert api.post("/contact-data/email/send", json={"person_id": person_id, "email": address}).status_code == 200
    [first] = inbox.to(address)
    code = re.search(r"\b(\d{6})\b", parts(first)["text/plain"]).group(1)

    monkeypatch.setitem(container.providers, "email", SmtpEmailSender(f"smtp://kyc:wrong@127.0.0.1:{port}"))
    failed = api.post("/contact-data/email/send", json={"person_id": person_id, "email": address})
    assert failed.status_code == 503 and failed.json()["success"] is False
    assert len(inbox.to(address)) == 1

    body = {"person_id": person_id, "email": address, "code": code}
    assert api.post("/contact-data/email/verify", json=body).json()["contact_data"]["email_confirmation"] is True
