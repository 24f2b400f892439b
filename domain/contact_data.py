"""Contact data: a person's email and phone, normalised, and the one-time codes that confirm them.

- Emails are stored as `email-validator` normalises them (domain lower-cased, no deliverability check).
- Phones are stored in E.164 (`+525591038054`). Mexican numbers are read with or without `+52` / `52`
  (`5591038054`, `525591038054`, `+52 55 9103 8054`; the retired mobile `1` after 52 is dropped);
  other countries need their `+` prefix. The spec's request pattern accepts this form back.
- A code is six digits from `secrets`, stored only as an HMAC-SHA256 keyed by the service secret,
  valid for 10 minutes and 5 attempts, bound to the contact, channel and address it went to. A new
  send replaces the previous code of that channel; a right code confirms and is consumed.
- Every failed verification counts an attempt; `CodeRejected` tells the caller to commit that count
  before answering 422 (nothing else changes).

The caller hands in `Records` (the mapped classes and the API view), so this module imports no ORM.
"""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from domain.errors import NotFound, ValidationFailed
from domain.records import data_updated, get_record, require_person

RESOURCE = "person_contact"
CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# channel -> (address field, confirmation flag, message of the send acknowledgement)
CHANNELS = {
    "sms": ("phone", "sms_confirmation", "Sms code send"),
    "email": ("email", "email_confirmation", "Email code send"),
}

INVALID_PHONE = "Teléfono inválido / Invalid phone number"
NO_CODE = "No hay código pendiente; solicite uno / No pending code: request one"
USED = "Código ya usado / Code already used"
EXHAUSTED = "Demasiados intentos; solicite un código nuevo / Too many attempts: request a new code"
EXPIRED = "Código vencido; solicite uno nuevo / Code expired: request a new one"
WRONG = "Código incorrecto / Wrong code"


@dataclass(frozen=True)
class Records:
    """What the persistence layer maps, handed in by the caller."""

    contact: type  # ContactData: id, person_id, email, phone, *_confirmation, codes
    code: type  # ContactCode: channel, destination, code_hash, expires_at, consumed_at, count_attempt()
    view: Callable[[object], dict]  # the record as the API returns it, for event payloads


class CodeRejected(ValidationFailed):
    """A wrong, expired, used or exhausted code: 422 on `code`, after its attempt has been committed."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def normalise_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationFailed({"email": [f"Correo inválido / Invalid email: {exc}"]}) from None


def normalise_phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "MX")
    except phonenumbers.NumberParseException:
        raise ValidationFailed({"phone": [INVALID_PHONE]}) from None
    national = str(number.national_number)
    if number.country_code == 52 and len(national) == 11 and national.startswith("1"):
        # "+52 1 55..." was the mobile form until 2019; the same line is now "+52 55...".
        number = phonenumbers.parse("+52" + national[1:])
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed({"phone": [INVALID_PHONE]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_contact(data: dict) -> dict:
    """The data with email and phone normalised; both are checked before a 422 names what is wrong."""
    data, errors = dict(data), {}
    for field, normalise in (("email", normalise_email), ("phone", normalise_phone)):
        if data.get(field) is not None:
            try:
                data[field] = normalise(data[field])
            except ValidationFailed as exc:
                errors |= exc.errors
    if errors:
        raise ValidationFailed(errors)
    return data


def get_contact(uow, records: Records, contact_id: str):
    return get_record(uow, records.contact, contact_id, "Contact data")


def create_contact(uow, records: Records, data: dict):
    """New contact data, unconfirmed; fires `updated_data_to_person`."""
    data = normalise_contact(data)
    require_person(uow, data.get("person_id"))
    contact = uow.records(records.contact).new(**data, email_confirmation=False, sms_confirmation=False)
    uow.flush()
    data_updated(uow, RESOURCE, contact, records.view(contact))
    return contact


def _drop_codes(contact, channel: str) -> None:
    for code in [c for c in contact.codes if c.channel == channel]:
        contact.codes.remove(code)


def update_contact(uow, records: Records, contact_id: str, changes: dict):
    """Partial update; a changed email or phone is unconfirmed again and its pending code is void."""
    contact = get_contact(uow, records, contact_id)
    changes = normalise_contact(changes)
    if changes.get("person_id", contact.person_id) != contact.person_id:
        require_person(uow, changes["person_id"])
    for channel, (field, confirmation, _) in CHANNELS.items():
        if field in changes and changes[field] != getattr(contact, field):
            setattr(contact, confirmation, False)
            _drop_codes(contact, channel)
    for field, value in changes.items():
        setattr(contact, field, value)
    uow.flush()
    data_updated(uow, RESOURCE, contact, records.view(contact))
    return contact


def delete_contact(uow, records: Records, contact_id: str) -> None:
    """A real delete (its codes go with it); history keeps the record, the event carries it."""
    contact = get_contact(uow, records, contact_id)
    payload = records.view(contact)
    uow.records(records.contact).delete(contact)
    uow.flush()
    data_updated(uow, RESOURCE, contact, payload)


def _contact_at(uow, records: Records, channel: str, person_id: str, address: str):
    """The person's newest contact data with that phone or email (normalised before comparing)."""
    field = CHANNELS[channel][0]
    require_person(uow, person_id)
    wanted = normalise_contact({field: address})[field].casefold()
    found = [
        c for c in uow.records(records.contact).for_person(person_id) if (getattr(c, field) or "").casefold() == wanted
    ]
    if not found:
        raise NotFound(f"La persona no tiene datos de contacto con ese {field} / No contact data with that {field}")
    return found[-1]


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def code_digest(secret: str, contact_id: str, channel: str, destination: str, code: str) -> str:
    """HMAC of the code bound to where it went, so a code proves one address of one contact only."""
    message = f"{contact_id}\n{channel}\n{destination}\n{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _message(channel: str, code: str) -> dict:
    text = f"Tu código de verificación es {code}. Vence en 10 minutos; no lo compartas."
    if channel == "sms":
        return {"body": text}
    html = f"<p>Tu código de verificación es <strong>{code}</strong>.</p><p>Vence en 10 minutos; no lo compartas.</p>"
    return {"subject": "Tu código de verificación", "text": text, "html": html}


def send_code(uow, records: Records, channel: str, person_id: str, address: str, sender, secret: str, now=None):
    """Issue a code for the contact at `address`, replacing any earlier one, and send it through `sender`."""
    now = now or _now()
    contact = _contact_at(uow, records, channel, person_id, address)
    destination = getattr(contact, CHANNELS[channel][0])
    code = new_code()
    _drop_codes(contact, channel)
    contact.codes.append(
        records.code(
            channel=channel,
            destination=destination,
            code_hash=code_digest(secret, contact.id, channel, destination, code),
            expires_at=now + CODE_TTL,
            attempts=0,
        )
    )
    uow.flush()
    # Sent before the caller commits: if the provider fails, the previous code stays as it was.
    metadata = sender.send(destination, **_message(channel, code))
    return {
        "message": CHANNELS[channel][2],
        "channel": channel,
        "contact_data_id": contact.id,
        "expires_at": now + CODE_TTL,
        "metadata": metadata,
    }


def judge(issued, given_digest: str, attempt: int, now: datetime) -> str | None:
    """Why a code is refused (None: it is right). `attempt` is this try's number, counted before judging."""
    if issued.consumed_at is not None:
        return USED
    if attempt > MAX_ATTEMPTS:
        return EXHAUSTED
    if now >= issued.expires_at:
        return EXPIRED
    if not hmac.compare_digest(issued.code_hash, given_digest):
        return WRONG
    return None


def verify_code(uow, records: Records, channel: str, person_id: str, address: str, code: str, secret: str, now=None):
    """Confirm the contact's address with `code`; raises CodeRejected (commit it) when the code is refused."""
    now = now or _now()
    contact = _contact_at(uow, records, channel, person_id, address)
    field, confirmation, _ = CHANNELS[channel]
    destination = getattr(contact, field)
    issued = [c for c in contact.codes if c.channel == channel and c.destination == destination]
    if not issued:
        raise CodeRejected({"code": [NO_CODE]})
    issued = issued[-1]
    attempt = issued.count_attempt()
    problem = judge(issued, code_digest(secret, contact.id, channel, destination, code), attempt, now)
    if problem:
        raise CodeRejected({"code": [problem]})
    issued.consumed_at = now
    setattr(contact, confirmation, True)
    uow.flush()
    data_updated(uow, RESOURCE, contact, records.view(contact))
    return contact
