"""Standard Webhooks signing, the event body, the retry schedule and the readable messages.

Signing follows https://www.standardwebhooks.com: the secret is `whsec_` + base64 of the key bytes;
the signature is `v1,` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")). The webhook id is the
event's id, so every retry of one event to one channel carries the same id and receivers can dedupe.
"""

import base64
import hashlib
import hmac
import html
import json
import re
import secrets
from datetime import datetime, timedelta

from personas.domain.errors import Text

SECRET_PREFIX = "whsec_"

# Growing intervals after each failed attempt, adding up to about 27 hours (the Standard Webhooks
# suggestion): the delivery is marked failed after the last one.
RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
# A channel whose deliveries keep failing this long, with no success in between, is deactivated.
DEACTIVATE_AFTER = timedelta(days=5)
# A Retry-After beyond this is not waited for longer: the schedule's own ceiling applies.
MAX_RETRY_AFTER = 36000

# A channel's extra headers: RFC 9110 token names, visible ASCII values, bounded. Names that frame or
# route the request (a second Host or Content-Length smuggles another request to whatever sits in
# front of the receiver) and the ones this service signs with are ours alone.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}")
HEADER_VALUE = re.compile(r"[\t\x20-\x7e]{0,1000}")
MAX_HEADERS = 20
FORBIDDEN_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "forwarded",
    }
)
FORBIDDEN_PREFIXES = ("proxy-", "webhook-", "x-forwarded-")
TOO_MANY_HEADERS = Text("como máximo {} encabezados", "at most {} headers")
BAD_HEADER_NAME = Text("nombre de encabezado inválido: {}", "not a valid header name: {}")
RESERVED_HEADER = Text("encabezado reservado: {}", "reserved header: {}")
BAD_HEADER_VALUE = Text(
    "{}: el valor debe tener como máximo 1000 caracteres ASCII visibles",
    "{}: the value must be at most 1000 visible ASCII characters",
)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_...` secret; a secret without the prefix is taken as base64 too."""
    encoded = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(encoded)


def sign(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    message = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def document(event: str, resource_id: str, resource_name: str, payload) -> dict:
    """The JSON document every webhook receives, as the seed's webhook samples show it."""
    return {"event": event, "resource_id": resource_id, "resource_name": resource_name, "payload": payload}


def encode(doc) -> bytes:
    """The exact bytes sent and signed (domain.providers.outbound.post_json serialises the same way)."""
    return json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")


def header_problems(extra) -> list[Text]:
    """What makes a channel's extra headers unsafe to send ([] when they are fine)."""
    if not isinstance(extra, dict):
        return [Text("headers debe ser un objeto de nombres a textos", "headers must be an object of names to strings")]
    problems = [TOO_MANY_HEADERS.format(MAX_HEADERS)] if len(extra) > MAX_HEADERS else []
    for name, value in extra.items():
        if not isinstance(name, str) or not HEADER_NAME.fullmatch(name):
            problems.append(BAD_HEADER_NAME.format(repr(name)[:60]))
        elif name.lower() in FORBIDDEN_HEADERS or name.lower().startswith(FORBIDDEN_PREFIXES):
            problems.append(RESERVED_HEADER.format(name))
        elif not isinstance(value, str) or not HEADER_VALUE.fullmatch(value):
            problems.append(BAD_HEADER_VALUE.format(name))
    return problems


def safe_headers(extra) -> dict:
    """The extra headers that pass `header_problems`, one by one (a row written around the API included)."""
    if not isinstance(extra, dict):
        return {}
    kept = {k: v for k, v in extra.items() if not header_problems({k: v})}
    return dict(list(kept.items())[:MAX_HEADERS])


def headers(secret: str, webhook_id: str, timestamp: int, content: bytes, extra: dict | None = None) -> dict:
    """The request headers: the channel's safe extra headers (see `safe_headers`), then ours."""
    return safe_headers(extra) | {
        "Content-Type": "application/json",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, webhook_id, timestamp, content),
    }


def next_attempt(attempts: int, now: datetime, retry_after: float | None = None, scale: float = 1.0):
    """When to try again after `attempts` failed attempts, or None when the delivery has failed for good."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = RETRY_SCHEDULE[attempts - 1] * scale
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return now + timedelta(seconds=delay)


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is not None:
        when = when.replace(tzinfo=None) - (when.utcoffset() or timedelta())
    return max(0.0, (when - now).total_seconds())


TITLES = {
    "person_register": "Person registered",
    "person_pass_validation": "Validation passed",
    "person_fail_validation": "Validation failed",
    "person_restore": "Person restored",
    "updated_data_to_person": "Person data updated",
    "media_added_to_model": "Media added",
}


def _summary(payload) -> list[tuple[str, str]]:
    if not isinstance(payload, dict):
        return []
    keys = ("id", "person_id", "national_id", "name", "first_lastname", "second_lastname", "status", "type")
    return [(k, str(payload[k])) for k in keys if payload.get(k) not in (None, "")]


def subject(event: str, resource_name: str, resource_id: str) -> str:
    return f"[personas] {TITLES.get(event, event)}: {resource_name} {resource_id}"


def text_message(event: str, resource_name: str, resource_id: str, payload) -> str:
    """A plain-text message for people (Slack, the text part of an email)."""
    lines = [f"{TITLES.get(event, event)} ({event})", f"{resource_name}: {resource_id}"]
    lines += [f"{k}: {v}" for k, v in _summary(payload)]
    return "\n".join(lines)


def html_message(event: str, resource_name: str, resource_id: str, payload) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in [(resource_name, resource_id), *_summary(payload)]
    )
    title = html.escape(f"{TITLES.get(event, event)} ({event})")
    return f"<html><body><h2>{title}</h2><table>{rows}</table></body></html>"


def slack_message(event: str, resource_name: str, resource_id: str, payload) -> dict:
    """An incoming-webhook message: `text` for notifications, and the same as a section block."""
    text = text_message(event, resource_name, resource_id, payload)
    first, _, rest = text.partition("\n")
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{first}*\n{rest}"}}]}
