"""Contact data: a person's email and phone, normalised; `domain.contact_codes` confirms them.

- Emails are what `domain.emails` takes for one (the seed's `user@example` included), stored as it
  normalises them (domain lower-cased, no deliverability check).
- Phones are stored in E.164 (`+525591038054`). Mexican numbers are read with or without `+52` / `52`
  (`5591038054`, `525591038054`, `+52 55 9103 8054`; the retired mobile `1` after 52 is dropped);
  other countries need their `+` prefix. The spec's request pattern accepts this form back.
- A changed email or phone is unconfirmed again and its pending code void (kept, as codes are: the
  limits of `domain.contact_codes` count them).
- A contact keeps its person: moving confirmed contact data to someone else would hand them a
  confirmation they never earned. A contact with codes sent in the last hour cannot be deleted
  until the hour has passed, or deleting it (and its codes) would reset the limit of its address.

Use cases take a unit of work: its `contact_data` and `contact_codes` repositories, and the view
`contact_data` that events carry.
"""

import math
from datetime import UTC, datetime, timedelta

import phonenumbers

from personas.domain import emails
from personas.domain.errors import NotFound, RateLimited, Rule, Text, ValidationFailed
from personas.domain.records import data_updated, get_record, require_person

NOT_FOUND = Text("No se encontraron los datos de contacto", "Contact data not found")

RESOURCE = "person_contact"
# The span over which code sends and failed checks are limited.
WINDOW = timedelta(hours=1)
# channel -> (address field, confirmation flag, message of the send acknowledgement)
CHANNELS = {
    "sms": ("phone", "sms_confirmation", "Sms code send"),
    "email": ("email", "email_confirmation", "Email code send"),
}

INVALID_PHONE = Rule("invalid_phone", "Teléfono inválido", "Invalid phone number")
# email-validator says why in English only: the Spanish message stands without it.
INVALID_EMAIL = Rule("invalid_email", "Correo inválido", "Invalid email: {}")
KEEPS_PERSON = Rule(
    "contact_keeps_person", "Los datos de contacto no cambian de persona", "Contact data cannot move to another person"
)
RECENT_CODES = Text(
    "Se enviaron códigos a estos datos en la última hora; elimínelos después",
    "Codes were sent to this contact data in the last hour: delete it later",
)
NO_CONTACT = Text("La persona no tiene datos de contacto con ese {}", "No contact data with that {}")


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def normalise_email(value: str) -> str:
    try:
        return emails.normalise(value)
    except emails.EmailNotValidError as exc:
        raise ValidationFailed({"email": [INVALID_EMAIL.format(exc)]}) from None


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


def get_contact(uow, contact_id: str):
    return get_record(uow.contact_data, contact_id, NOT_FOUND)


def updated(uow, contact) -> None:
    """`updated_data_to_person` with the contact as the API shows it."""
    data_updated(uow, RESOURCE, contact, uow.view("contact_data", contact))


def create_contact(uow, data: dict):
    """New contact data, unconfirmed; fires `updated_data_to_person`."""
    data = normalise_contact(data)
    require_person(uow, data.get("person_id"))
    contact = uow.contact_data.new(**data, email_confirmation=False, sms_confirmation=False)
    uow.flush()
    updated(uow, contact)
    return contact


def supersede_codes(contact, channel: str, now: datetime) -> None:
    """Expire the channel's pending codes; they are kept because the limits count them."""
    for code in contact.codes:
        if code.channel == channel and code.consumed_at is None and code.expires_at > now:
            code.expires_at = now


def seconds_until(moment: datetime, now: datetime) -> int:
    return math.ceil((moment - now).total_seconds())


def update_contact(uow, contact_id: str, changes: dict):
    """Partial update; a changed email or phone is unconfirmed again and its pending code is void.

    `person_id` may be sent but not changed (422 on it).
    """
    contact = get_contact(uow, contact_id)
    changes = normalise_contact(changes)
    if changes.get("person_id", contact.person_id) != contact.person_id:
        raise ValidationFailed({"person_id": [KEEPS_PERSON]})
    now = utc_now()
    for channel, (field, confirmation, _) in CHANNELS.items():
        if field in changes and changes[field] != getattr(contact, field):
            setattr(contact, confirmation, False)
            supersede_codes(contact, channel, now)
    for field, value in changes.items():
        setattr(contact, field, value)
    uow.flush()
    updated(uow, contact)
    return contact


def delete_contact(uow, contact_id: str, now=None) -> None:
    """A real delete (its codes go with it); history keeps the record, the event carries it.

    Refused (RateLimited) while codes sent in the last hour would go with it.
    """
    now = now or utc_now()
    contact = get_contact(uow, contact_id)
    recent = [c.created_at for c in contact.codes if c.created_at > now - WINDOW]
    if recent:
        raise RateLimited(RECENT_CODES, retry_after=seconds_until(max(recent) + WINDOW, now))
    payload = uow.view("contact_data", contact)
    uow.contact_data.delete(contact)
    uow.flush()
    data_updated(uow, RESOURCE, contact, payload)


def contact_at(uow, channel: str, person_id: str, address: str):
    """The person's newest contact data with that phone or email (normalised before comparing)."""
    field = CHANNELS[channel][0]
    require_person(uow, person_id)
    wanted = normalise_contact({field: address})[field].casefold()
    found = [c for c in uow.contact_data.for_person(person_id) if (getattr(c, field) or "").casefold() == wanted]
    if not found:
        raise NotFound(NO_CONTACT.format(field))
    return found[-1]
