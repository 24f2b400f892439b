"""Writes events into the outbox within the caller's transaction."""

from persistence.models.events import OutboxEvent


class EventRecorder:
    def __init__(self, session):
        self.session = session

    def record(self, name: str, resource_name: str, resource_id: str, payload: dict) -> None:
        self.session.add(OutboxEvent(name=name, resource_name=resource_name, resource_id=resource_id, payload=payload))
