"""Writes events into the outbox within the caller's transaction, and reads how far the relay is behind."""

from datetime import datetime

from sqlalchemy import func, select

from personas.persistence.models.base import new_id
from personas.persistence.models.events import OutboxEvent
from personas.persistence.prepared import insert_row

_TABLE = OutboxEvent.__table__


class EventRecorder:
    def __init__(self, session):
        self.session = session

    def record(self, name: str, resource_name: str, resource_id: str, payload: dict) -> None:
        # One prepared INSERT, sent now: the event is never read back in the transaction that writes it, so
        # the ORM's bookkeeping (and a flush of its own) would buy nothing. Same row, same defaults.
        event_id = new_id()
        values = {"id": event_id, "name": name, "resource_name": resource_name, "resource_id": resource_id}
        insert_row(self.session.connection(), _TABLE, values | {"payload": payload})
        self.session.info.setdefault("inserted_row", (OutboxEvent, event_id))

    def last_sequence(self) -> int:
        """The sequence number of the latest event written (0 before the first): one seek of its index."""
        return self.session.scalar(select(func.max(OutboxEvent.seq))) or 0


def outbox_backlog(session) -> tuple[int, datetime | None]:
    """Events the relay has not dispatched yet, and the earliest time one of them became due.

    Both read only the (state, available_at) index: cheap enough for every metrics scrape.
    """
    count, oldest = session.execute(
        select(func.count(), func.min(OutboxEvent.available_at)).where(OutboxEvent.state == "pending")
    ).one()
    return count, oldest
