"""Senders of one event to one channel: webhook (Standard Webhooks), Slack, email.

Each returns an `Outcome`; none raises for a failed send, since the delivery job records the
attempt and schedules the next one. URLs go through domain.providers.outbound (SSRF guard,
allowlist, no redirects, a bounded time); only a 2xx answer is a success. A batch passes one
`outbound.Session` (`http`) to all its sends, so that webhooks to one receiver share a keep-alive
connection.
"""

import time
from dataclasses import dataclass

from personas.domain import webhooks
from personas.domain.providers import outbound
from personas.domain.providers.messaging import DeliveryFailed

TIMEOUT = 5.0


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    retry_after: str | None = None
    refused: bool = False  # nothing was sent: this service refused the address (or the channel)


@dataclass(frozen=True)
class Message:
    """What is sent: the event and the channel, read from the database before sending."""

    event_id: str
    event: str
    resource_id: str
    resource_name: str
    payload: object
    channel_type: str
    config: dict
    secret: str | None


def session(settings) -> outbound.Session:
    """The outgoing-call session of one job (close it when the job is done)."""
    return outbound.Session(outbound.allowlist_policy(settings.outbound_allowlist), timeout=TIMEOUT)


def _post(url: str, doc, settings, headers: dict | None = None, http: outbound.Session | None = None) -> Outcome:
    try:
        if http is None:
            with session(settings) as own:
                response = own.post_json(url, doc, headers)
        else:
            response = http.post_json(url, doc, headers)
    except outbound.OutboundRefused as refused:
        return Outcome(False, None, f"refused: {refused}", refused=True)
    except outbound.OutboundFailed as failed:
        return Outcome(False, None, str(failed))
    if 200 <= response.status < 300:
        return Outcome(True, response.status)
    return Outcome(False, response.status, f"HTTP {response.status}", response.headers.get("retry-after"))


def send_webhook(message: Message, settings, http=None) -> Outcome:
    doc = webhooks.document(message.event, message.resource_id, message.resource_name, message.payload)
    stamp = int(time.time())
    # The webhook id is the event id: the same on every retry, so the receiver can drop repeats.
    headers = webhooks.headers(
        message.secret, message.event_id, stamp, webhooks.encode(doc), message.config.get("headers")
    )
    return _post(message.config["url"], doc, settings, headers, http)


def send_slack(message: Message, settings, http=None) -> Outcome:
    text = webhooks.slack_message(message.event, message.resource_name, message.resource_id, message.payload)
    return _post(message.config["url"], text, settings, http=http)


def send_email(message: Message, settings, http=None, email=None) -> Outcome:
    """`email` is the process's email provider (SMTP or the local outbox); email channels, and Slack
    channels that name Slack's email addresses of channels, send through it."""
    args = (message.event, message.resource_name, message.resource_id, message.payload)
    subject = webhooks.subject(message.event, message.resource_name, message.resource_id)
    sender = email
    try:
        for to in message.config["emails"]:
            sender.send(to, subject, webhooks.text_message(*args), webhooks.html_message(*args))
    except DeliveryFailed as failed:
        return Outcome(False, None, str(failed))
    return Outcome(True)


SENDERS = {"webhook": send_webhook, "slack": send_slack}


def send(message: Message, settings, http: outbound.Session | None = None, email=None) -> Outcome:
    """Send one message; `http` is the batch's outgoing-call session (a fresh one when not given), `email`
    the email provider (for email channels)."""
    # A Slack channel given as the email addresses of Slack channels (`config.emails`) is mailed too.
    if message.channel_type == "email" or "emails" in message.config:
        return send_email(message, settings, http, email)
    return SENDERS[message.channel_type](message, settings, http)
