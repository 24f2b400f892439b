"""The one-time codes of contact data: issuing one, the sends to an address, and counting a check."""

from datetime import datetime

from sqlalchemy import select, update

from personas.persistence.models.contact_codes import ContactCode


class ContactCodeRepository:
    def __init__(self, session):
        self.session = session

    def issue(self, contact, **fields) -> ContactCode:
        """A new code of `contact`, added to its `codes` so the contact in hand sees it."""
        code = ContactCode(**fields)
        contact.codes.append(code)
        return code

    def sent_since(self, channel: str, destination: str, since: datetime) -> list[datetime]:
        """When codes went to `destination` after `since`, oldest first, whichever contact they were for."""
        stmt = (
            select(ContactCode.created_at)
            .where(
                ContactCode.channel == channel,
                ContactCode.destination == destination,
                ContactCode.created_at > since,
            )
            .order_by(ContactCode.created_at)
        )
        return list(self.session.scalars(stmt))

    def count_attempt(self, code: ContactCode, limit: int) -> bool:
        """Adds one attempt in SQL unless `limit` attempts are already counted; False when refused.

        `attempts = attempts + 1 ... WHERE attempts < limit` runs in the database (and locks the row
        on MariaDB), so guesses sent in parallel each count, and exactly `limit` of them get through
        however many arrive at once: a stale value read in Python could let more past.
        """
        stmt = (
            update(ContactCode)
            .where(ContactCode.id == code.id, ContactCode.attempts < limit)
            .values(attempts=ContactCode.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        counted = self.session.execute(stmt).rowcount == 1
        self.session.refresh(code, ["attempts"])
        return counted
