"""ORM models; importing this package registers every table on `Base.metadata`.

Every module of this package is imported, so a new resource's module needs no line here.
"""

import importlib
import pkgutil

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

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
