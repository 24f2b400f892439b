"""The one-time codes that confirm a contact's phone (SMS) or email.

- A code is six digits from `secrets`, stored only as an HMAC-SHA256 keyed by the service secret,
  valid for 10 minutes, bound to the contact, channel and address it went to. A new send supersedes
  (expires, but keeps) the previous code of that channel; a right code confirms and is consumed.
- Limits that no API key changes, both over the last hour (`WINDOW`) and read from the stored codes,
  so they hold across processes and restarts: 5 codes per phone or email address, whichever contacts
  and people it belongs to; 5 failed checks per contact and channel, whichever codes they were
  against, so a resend gives no new tries. Past either limit the answer is `RateLimited` (429); once
  checks are exhausted even the right code confirms nothing until enough of them leave the hour.
- Every check counts an attempt in SQL, refused once the limit is reached; `CodeRejected` tells the
  caller to commit that count before answering 422 (nothing else changes).
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from personas.domain.contact_data import CHANNELS, WINDOW, contact_at, seconds_until, supersede_codes, updated, utc_now
from personas.domain.errors import RateLimited, Rule, Text, ValidationFailed

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_SENDS = 5

NO_CODE = Rule("no_pending_code", "No hay código pendiente; solicite uno", "No pending code: request one")
USED = Rule("code_used", "Código ya usado", "Code already used")
EXHAUSTED = Text(
    "Demasiados intentos fallidos en la última hora; espere", "Too many failed attempts in the last hour: wait"
)
TOO_MANY_SENDS = Text(
    "Demasiados códigos enviados a esa dirección en la última hora",
    "Too many codes sent to that address in the last hour",
)
EXPIRED = Rule("code_expired", "Código vencido; solicite uno nuevo", "Code expired: request a new one")
WRONG = Rule("wrong_code", "Código incorrecto", "Wrong code")


class CodeRejected(ValidationFailed):
    """A wrong, expired, used or exhausted code: 422 on `code`, after its attempt has been committed."""


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


def send_code(uow, channel: str, person_id: str, address: str, sender, secret: str, now=None):
    """Issue a code for the contact at `address`, superseding any earlier one, and send it through `sender`.

    RateLimited when MAX_SENDS codes went to that address within the WINDOW.
    """
    now = now or utc_now()
    contact = contact_at(uow, channel, person_id, address)
    destination = getattr(contact, CHANNELS[channel][0])
    sent = uow.contact_codes.sent_since(channel, destination, now - WINDOW)
    if len(sent) >= MAX_SENDS:
        # Another send is possible once the oldest of the last MAX_SENDS leaves the window.
        raise RateLimited(TOO_MANY_SENDS, retry_after=seconds_until(sent[-MAX_SENDS] + WINDOW, now))
    code = new_code()
    supersede_codes(contact, channel, now)
    uow.contact_codes.issue(
        contact,
        channel=channel,
        destination=destination,
        code_hash=code_digest(secret, contact.id, channel, destination, code),
        expires_at=now + CODE_TTL,
        attempts=0,
        created_at=now,
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


def judge(issued, given_digest: str, now: datetime) -> str | None:
    """Why a code is refused (None: it is right); the attempt limit is enforced before judging."""
    if issued.consumed_at is not None:
        return USED
    if now >= issued.expires_at:
        return EXPIRED
    if not hmac.compare_digest(issued.code_hash, given_digest):
        return WRONG
    return None


def failed_checks(code) -> int:
    """Failed checks against a code: every check counts, and a consumed code had one that was right."""
    return code.attempts - (code.consumed_at is not None)


def exhausted_until(codes: list, now: datetime) -> datetime:
    """When the failed checks of `codes` (one contact and channel, in the window) fall below the limit."""
    failed = sum(failed_checks(c) for c in codes)
    for code in sorted(codes, key=lambda c: c.created_at):
        failed -= failed_checks(code)
        if failed < MAX_ATTEMPTS:
            return code.created_at + WINDOW
    return now


def verify_code(uow, channel: str, person_id: str, address: str, code: str, secret: str, now=None):
    """Confirm the contact's address with `code`.

    Raises CodeRejected (commit it: the attempt counts) when the code is refused, and RateLimited
    (nothing counted) once the contact and channel had MAX_ATTEMPTS failed checks within the WINDOW.
    """
    now = now or utc_now()
    contact = contact_at(uow, channel, person_id, address)
    field, confirmation, _ = CHANNELS[channel]
    destination = getattr(contact, field)
    recent = [c for c in contact.codes if c.channel == channel and c.created_at > now - WINDOW]
    issued = [c for c in contact.codes if c.channel == channel and c.destination == destination]
    if not issued:
        raise CodeRejected({"code": [NO_CODE]})
    # A superseded code expired when its successor was made, so on a tie of times the live one is last.
    issued = max(issued, key=lambda c: (c.created_at, c.expires_at))
    # A code older than the window has long expired: checking it cannot confirm, so it is not counted.
    if issued in recent:
        earlier = sum(failed_checks(c) for c in recent if c is not issued)
        if not uow.contact_codes.count_attempt(issued, MAX_ATTEMPTS - earlier + (issued.consumed_at is not None)):
            raise RateLimited(EXHAUSTED, retry_after=seconds_until(exhausted_until(recent, now), now))
    problem = judge(issued, code_digest(secret, contact.id, channel, destination, code), now)
    if problem:
        raise CodeRejected({"code": [problem]})
    issued.consumed_at = now
    setattr(contact, confirmation, True)
    uow.flush()
    updated(uow, contact)
    return contact
