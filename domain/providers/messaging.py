"""SMS and email senders: the interfaces the domain sends codes through, and their adapters.

- `LocalSmsSender` / `LocalEmailSender` (the default): send nothing; append each message as one JSON
  line to `sms.jsonl` / `email.jsonl` in the local outbox folder, where tests and developers read it.
- `HttpSmsSender`: POSTs `{"to", "body"}` as JSON to the configured URL (credentials in the URL go
  as HTTP Basic auth); the call is bounded to 5 s in all and never redirected (domain.providers.outbound),
  and a 2xx counts only with a JSON (or empty) answer.
- `SmtpEmailSender`: `smtp://user:pass@host:port?starttls=true&from=addr` or `smtps://...`;
  sends a plain-text part and an HTML alternative.

Every `send` returns the metadata the API shows, with `provider` naming the adapter that sent it.
"""

import base64
import json
import smtplib
import ssl
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from personas.domain.providers import outbound


class DeliveryFailed(Exception):
    """The outside service did not take the message (the message text is never included)."""


class SmsSender(Protocol):
    def send(self, to: str, body: str) -> dict: ...


class EmailSender(Protocol):
    def send(self, to: str, subject: str, text: str, html: str) -> dict: ...


class _Outbox:
    """One JSON-lines file; a lock keeps lines whole when threads of one process write at once."""

    def __init__(self, folder: str | Path, name: str):
        self.path = Path(folder) / name
        self._lock = threading.Lock()

    def write(self, entry: dict) -> dict:
        line = json.dumps(entry | {"time": datetime.now(UTC).isoformat(), "provider": "local"}, ensure_ascii=False)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return {"provider": "local"}


class LocalSmsSender:
    def __init__(self, folder: str | Path):
        self.outbox = _Outbox(folder, "sms.jsonl")

    def send(self, to: str, body: str) -> dict:
        return self.outbox.write({"to": to, "body": body})


class LocalEmailSender:
    def __init__(self, folder: str | Path):
        self.outbox = _Outbox(folder, "email.jsonl")

    def send(self, to: str, subject: str, text: str, html: str) -> dict:
        return self.outbox.write({"to": to, "subject": subject, "body": text, "html": html})


class HttpSmsSender:
    def __init__(self, url: str, timeout: float = 5.0, policy=None):
        parts = urlsplit(url)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        # The credentials travel in the header, never in the URL the request line or a log could show.
        self.url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, ""))
        self.timeout, self.policy = timeout, policy

    def send(self, to: str, body: str) -> dict:
        data = json.dumps({"to": to, "body": body}).encode()
        try:
            status, raw = outbound.call("POST", self.url, data, self.headers, self.timeout, 65536, self.policy)
        except outbound.OutboundError as failed:
            raise DeliveryFailed(f"SMS provider refused or unreachable ({failed.reason})") from None
        # The answer's text may echo the message, so it is never kept.
        if not 200 <= status < 300:
            raise DeliveryFailed(f"SMS provider answered HTTP {status}")
        try:
            json.loads(raw) if raw.strip() else None
        except ValueError:
            # A JSON API that answers a page (a portal, a proxy's error) has not taken the message.
            raise DeliveryFailed("SMS provider gave no JSON") from None
        return {"provider": "http", "status": status}


def _flag(query: dict, name: str) -> bool:
    return query.get(name, [""])[0].lower() in ("1", "true", "yes")


class SmtpEmailSender:
    def __init__(self, url: str, timeout: float = 10.0):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("PERSONAS_SMTP_URL must look like smtp://user:pass@host:port or smtps://...")
        query = parse_qs(parts.query)
        self.ssl = parts.scheme == "smtps"
        self.starttls = _flag(query, "starttls")
        self.host = parts.hostname
        self.port = parts.port or (465 if self.ssl else 587 if self.starttls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.sender = query.get("from", [f"personas@{self.host}"])[0]
        self.timeout = timeout

    def _message(self, to: str, subject: str, text: str, html: str) -> EmailMessage:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(text)
        message.add_alternative(html, subtype="html")
        return message

    def send(self, to: str, subject: str, text: str, html: str) -> dict:
        message = self._message(to, subject, text, html)
        context = ssl.create_default_context()
        try:
            if self.ssl:
                client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.starttls:
                    client.starttls(context=context)
                if self.username:
                    client.login(self.username, self.password)
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(
                f"SMTP server {self.host}:{self.port} refused or unreachable ({type(exc).__name__})"
            ) from None
        return {"provider": "smtp", "message_id": message["Message-ID"]}
