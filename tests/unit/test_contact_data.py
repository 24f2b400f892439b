"""Rules of contact data with no database: normalising addresses, making and judging codes, local senders."""

import json
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from personas.config import Settings
from personas.domain import contact_codes as codes
from personas.domain import contact_data as contacts
from personas.domain.errors import ValidationFailed
from personas.domain.providers.messaging import (
    HttpSmsSender,
    LocalEmailSender,
    LocalSmsSender,
    SmtpEmailSender,
)
from personas.providers import build_providers

NOW = datetime(2024, 5, 1, 12, 0, 0)
SECRET = "unit-secret"


@pytest.mark.parametrize(
    "written",
    ["5591038054", "525591038054", "+525591038054", "+52 (55) 9103-8054", "52 1 55 9103 8054", "+5215591038054"],
)
def test_a_mexican_phone_becomes_e164_with_or_without_its_country_code(written):
    assert contacts.normalise_phone(written) == "+525591038054"


def test_a_phone_of_another_country_needs_its_plus_and_keeps_its_country():
    assert contacts.normalise_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize("written", ["1234567", "0000000000", "55 9103 805", "+52 1234", "abc", "+999 1234567"])
def test_a_phone_that_is_no_valid_number_is_refused_naming_phone(written):
    with pytest.raises(ValidationFailed) as refused:
        contacts.normalise_phone(written)
    assert refused.value.errors == {"phone": [contacts.INVALID_PHONE]}


def test_an_email_keeps_its_local_part_and_lowers_its_domain():
    assert contacts.normalise_email("Juan.Perez@Example.COM") == "Juan.Perez@example.com"


def test_an_email_of_a_one_label_domain_is_an_address_as_the_seed_sends_it():
    assert contacts.normalise_email("user@Example") == "user@example"


@pytest.mark.parametrize(
    "written", ["no-at-sign.com", "a@b@example.com", "user@exa mple.com", "user@localhost", "user@10.0.0.1", "a@123"]
)
def test_an_email_that_is_not_an_address_is_refused_naming_email(written):
    with pytest.raises(ValidationFailed) as refused:
        contacts.normalise_email(written)
    assert list(refused.value.errors) == ["email"]
    assert refused.value.errors["email"][0].startswith("Correo inválido / Invalid email: ")


def test_codes_are_six_digits_and_vary():
    made = {codes.new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in made)
    assert len(made) > 190


def test_a_code_digest_is_bound_to_its_secret_contact_channel_and_address():
    base = codes.code_digest(SECRET, "c1", "sms", "+525591038054", "123456")
    assert base == codes.code_digest(SECRET, "c1", "sms", "+525591038054", "123456")
    assert (
        len(
            {
                base,
                codes.code_digest("other", "c1", "sms", "+525591038054", "123456"),
                codes.code_digest(SECRET, "c2", "sms", "+525591038054", "123456"),
                codes.code_digest(SECRET, "c1", "email", "+525591038054", "123456"),
                codes.code_digest(SECRET, "c1", "sms", "+525591038055", "123456"),
                codes.code_digest(SECRET, "c1", "sms", "+525591038054", "123457"),
            }
        )
        == 6
    )


def issued(code="123456", **overrides):
    digest = codes.code_digest(SECRET, "c1", "sms", "+525591038054", code)
    return SimpleNamespace(**{"code_hash": digest, "expires_at": NOW + codes.CODE_TTL, "consumed_at": None} | overrides)


def given(code):
    return codes.code_digest(SECRET, "c1", "sms", "+525591038054", code)


def test_the_right_code_within_ten_minutes_is_accepted():
    assert codes.judge(issued(), given("123456"), now=NOW + timedelta(minutes=9, seconds=59)) is None


def test_a_wrong_code_is_refused():
    assert codes.judge(issued(), given("654321"), now=NOW) == codes.WRONG


def test_a_code_is_refused_from_the_moment_it_expires():
    assert codes.judge(issued(), given("123456"), now=NOW + codes.CODE_TTL) == codes.EXPIRED


def test_a_used_code_is_refused_before_anything_else():
    assert codes.judge(issued(consumed_at=NOW), given("123456"), now=NOW) == codes.USED


def sent(minutes_ago: float, attempts: int = 0, consumed: bool = False):
    created = NOW - timedelta(minutes=minutes_ago)
    return SimpleNamespace(created_at=created, attempts=attempts, consumed_at=created if consumed else None)


def test_a_consumed_code_counts_every_check_but_the_right_one_as_failed():
    assert [codes.failed_checks(c) for c in (sent(1, 3), sent(1, 3, consumed=True), sent(1))] == [3, 2, 0]


def test_exhausted_checks_are_free_again_when_enough_of_their_codes_leave_the_hour():
    window = [sent(50, 2), sent(30, 2), sent(5, 1)]
    # 5 failed: the code of 50 minutes ago leaves the hour in 10 minutes, leaving 3.
    assert codes.exhausted_until(window, NOW) == NOW + timedelta(minutes=10)
    window = [sent(50, 1), sent(30, 0), sent(5, 6)]
    # the newest code alone holds the limit: only its own hour frees it.
    assert codes.exhausted_until(window, NOW) == NOW + timedelta(minutes=55)


def test_the_local_senders_write_one_json_line_per_message_in_their_own_file(tmp_path):
    outbox = tmp_path / "outbox"
    assert LocalSmsSender(outbox).send("+525591038054", "Tu código es 123456") == {"provider": "local"}
    assert LocalEmailSender(outbox).send("a@example.com", "Código", "es 654321", "<b>654321</b>") == {
        "provider": "local"
    }
    LocalSmsSender(outbox).send("+525591038055", "Tu código es 111111")
    sms = [json.loads(line) for line in (outbox / "sms.jsonl").read_text().splitlines()]
    email = [json.loads(line) for line in (outbox / "email.jsonl").read_text().splitlines()]
    assert [(m["to"], m["body"], m["provider"]) for m in sms] == [
        ("+525591038054", "Tu código es 123456", "local"),
        ("+525591038055", "Tu código es 111111", "local"),
    ]
    assert email[0]["subject"] == "Código" and email[0]["html"] == "<b>654321</b>"
    assert datetime.fromisoformat(email[0]["time"]).tzinfo is not None


def test_providers_are_local_unless_a_url_is_configured(tmp_path):
    local = build_providers(Settings(local_outbox=str(tmp_path)))
    assert isinstance(local["sms"], LocalSmsSender) and isinstance(local["email"], LocalEmailSender)
    real = build_providers(Settings(sms_url="https://sms.example.com/send", smtp_url="smtps://u:p@mail.example.com"))
    assert isinstance(real["sms"], HttpSmsSender) and isinstance(real["email"], SmtpEmailSender)


def test_the_smtp_url_gives_host_port_tls_credentials_and_sender():
    plain = SmtpEmailSender("smtp://mail.example.com")
    assert (plain.host, plain.port, plain.ssl, plain.starttls, plain.username) == (
        "mail.example.com",
        25,
        False,
        False,
        None,
    )
    tls = SmtpEmailSender("smtp://me%40x.com:p%3Ass@mail.example.com?starttls=true&from=kyc@x.com")
    assert (tls.port, tls.starttls, tls.username, tls.password, tls.sender) == (
        587,
        True,
        "me@x.com",
        "p:ss",
        "kyc@x.com",
    )
    assert SmtpEmailSender("smtps://mail.example.com").port == 465
    with pytest.raises(ValueError):
        SmtpEmailSender("http://mail.example.com")


def test_the_sms_url_credentials_go_in_a_basic_auth_header_not_in_the_url():
    sender = HttpSmsSender("https://user:secret@sms.example.com:8443/v1/send?x=1")
    assert sender.url == "https://sms.example.com:8443/v1/send?x=1"
    assert sender.headers["Authorization"] == "Basic dXNlcjpzZWNyZXQ="


def test_a_bad_email_and_a_bad_phone_are_named_together_and_other_fields_pass_through():
    with pytest.raises(ValidationFailed) as refused:
        contacts.normalise_contact({"person_id": "p", "email": "a@localhost", "phone": "1234567"})
    assert set(refused.value.errors) == {"email", "phone"}
    clean = contacts.normalise_contact({"person_id": "p", "phone": "5591038054"})
    assert clean == {"person_id": "p", "phone": "+525591038054"}
