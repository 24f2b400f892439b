"""ORM models; importing this package registers every table on `Base.metadata`.

Every module of this package is imported, so a new resource's module needs no line here.
"""

import importlib
import pkgutil

from personas.persistence.models.api_keys import ApiKey
from personas.persistence.models.base import Base
from personas.persistence.models.catalogs import MaritalStatus, Nationality, PersonRelation, State
from personas.persistence.models.events import OutboxEvent
from personas.persistence.models.history import HistoryEntry
from personas.persistence.models.people import Person
from personas.persistence.models.people_groups import PeopleGroup

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
