"""ORM models; importing this package registers every table on `Base.metadata`."""

from persistence.models.api_keys import ApiKey
from persistence.models.base import Base
from persistence.models.catalogs import MaritalStatus, Nationality, PersonRelation, State
from persistence.models.events import OutboxEvent
from persistence.models.history import HistoryEntry
from persistence.models.people import Person
from persistence.models.people_groups import PeopleGroup

__all__ = [
    "ApiKey",
    "Base",
    "HistoryEntry",
    "MaritalStatus",
    "Nationality",
    "OutboxEvent",
    "PeopleGroup",
    "Person",
    "PersonRelation",
    "State",
]
