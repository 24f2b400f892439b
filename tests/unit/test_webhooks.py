"""Standard Webhooks signing (checked with the reference `standardwebhooks` package), retries, configs."""

import base64
from datetime import datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from personas.domain import notification_channels as channels
from personas.domain import webhooks
from personas.domain.errors import ValidationFailed

NOW = datetime(2026, 1, 1, 12, 0, 0)


def _signed(secret: str, event_id="evt-1"):
    doc = webhooks.document("person_register", "p-1", "person", {"id": "p-1", "name": "Ana Ñandú"})
    content = webhooks.encode(doc)
    stamp = int(datetime.now().timestamp())
    return content, webhooks.headers(secret, event_id, stamp, content, {"X-Partner-Id": "1234"})


def test_a_signature_verifies_with_the_reference_implementation():
    secret = webhooks.new_secret()
    content, headers = _signed(secret)
    assert Webhook(secret).verify(content, headers)["payload"]["name"] == "Ana Ñandú"


def test_a_signature_made_with_another_secret_does_not_verify():
    content, headers = _signed(webhooks.new_secret())
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(content, headers)


def test_a_changed_body_does_not_verify():
    secret = webhooks.new_secret()
    content, headers = _signed(secret)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(content.replace(b"p-1", b"p-2"), headers)


def test_the_seed_example_secret_signs_like_the_reference():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    stamp = datetime.fromtimestamp(1_700_000_000)
    expected = Webhook(secret).sign("msg_1", stamp, '{"a":1}')
    assert webhooks.sign(secret, "msg_1", 1_700_000_000, b'{"a":1}') == expected


def test_extra_headers_cannot_replace_the_signature_or_the_content_type():
    headers = webhooks.headers(
        webhooks.new_secret(), "e", 1, b"{}", {"webhook-id": "forged", "Content-Type": "text/plain", "X-A": "1"}
    )
    assert headers["webhook-id"] == "e" and headers["Content-Type"] == "application/json" and headers["X-A"] == "1"
    assert "Content-Type" in headers and sum(k.lower() == "content-type" for k in headers) == 1


def test_a_generated_secret_has_the_standard_form():
    secret = webhooks.new_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24


def test_retries_grow_and_stop_after_about_a_day():
    delays = [(webhooks.next_attempt(n, NOW) - NOW).total_seconds() for n in range(1, webhooks.MAX_ATTEMPTS)]
    assert delays == sorted(delays) and delays[0] == 5
    assert timedelta(hours=20) < timedelta(seconds=sum(delays)) < timedelta(hours=36)
    assert webhooks.next_attempt(webhooks.MAX_ATTEMPTS, NOW) is None


def test_a_retry_after_longer_than_the_schedule_is_honoured():
    assert webhooks.next_attempt(1, NOW, retry_after=120) == NOW + timedelta(seconds=120)
    assert webhooks.next_attempt(1, NOW, retry_after=1) == NOW + timedelta(seconds=5)


def test_retry_after_is_read_in_seconds_or_as_an_http_date():
    assert webhooks.retry_after_seconds("30", NOW) == 30
    assert webhooks.retry_after_seconds("Thu, 01 Jan 2026 12:01:00 GMT", NOW) == 60
    assert webhooks.retry_after_seconds("soon", NOW) is None


def test_the_slack_message_is_readable_text():
    message = webhooks.slack_message("person_register", "person", "p-1", {"name": "Ana", "national_id": "X"})
    assert message["text"].startswith("Person registered (person_register)") and "name: Ana" in message["text"]


def test_an_email_html_message_escapes_the_payload():
    assert "&lt;b&gt;" in webhooks.html_message("person_register", "person", "p", {"name": "<b>"})


@pytest.mark.parametrize(
    ("channel_type", "config", "message"),
    [
        ("slack", {"url": "https://h.example/x", "secret": webhooks.new_secret()}, "Not allowed"),
        ("slack", {"url": "https://h.example/x", "emails": ["a@example.com"]}, "either `url` or `emails`"),
        ("slack", {}, "either `url` or `emails`"),
        ("slack", {"emails": ["a@localhost"]}, "Not a valid email"),
        ("email", {"url": "https://h.example/x"}, "Not allowed"),
        ("webhook", {"url": "ftp://h.example/x"}, "http or https"),
        ("webhook", {"url": "https://h.example/x", "secret": "whsec_abc"}, "at least 16 bytes"),
        ("webhook", {"url": "https://h.example/x", "headers": {"webhook-id": "x"}}, "Cannot replace"),
        ("email", {"emails": ["not-an-address"]}, "Not a valid email"),
    ],
)
def test_a_config_that_does_not_fit_its_type_is_refused(channel_type, config, message):
    with pytest.raises(ValidationFailed) as refused:
        channels.check_config(channel_type, config)
    assert list(refused.value.errors) == ["config"] and message in " ".join(refused.value.errors["config"])


def test_a_config_that_fits_is_kept():
    assert channels.check_config("email", {"emails": ["A@Example.com"]}) == {"emails": ["A@example.com"]}


def test_a_slack_channel_is_an_incoming_webhook_or_the_email_addresses_of_slack_channels():
    # The seed's sample gives a Slack channel `emails`.
    assert channels.check_config("slack", {"emails": ["user@example.com"]}) == {"emails": ["user@example.com"]}
    assert channels.check_config("slack", {"url": "https://hooks.slack.com/services/T/B/X"}) == {
        "url": "https://hooks.slack.com/services/T/B/X"
    }
