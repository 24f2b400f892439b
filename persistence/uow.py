"""Unit of work: one session and one transaction per request or job, committed once."""

from sqlalchemy.orm import Session, sessionmaker

from persistence.db import BEGIN_OPTION
from persistence.repositories.api_keys import ApiKeyRepository
from persistence.repositories.catalogs import CatalogRepository
from persistence.repositories.events import EventRecorder
from persistence.repositories.people import PeopleRepository
from persistence.repositories.people_groups import PeopleGroupRepository
from persistence.repositories.records import RecordRepository


class UnitOfWork:
    """Context manager; rolls back unless `commit()` was called."""

    def __init__(self, session_factory: sessionmaker[Session], actor: dict | None = None, readonly: bool = False):
        self._factory = session_factory
        self.actor = actor
        self.readonly = readonly

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        # On SQLite a unit of work that may write takes the write lock when it begins, so reading first
        # and writing later cannot fail half-way; readers do not queue behind the writer. (persistence.db;
        # other backends ignore the option.) Keep writing units of work short: the lock is held until the end.
        mode = "DEFERRED" if self.readonly else "IMMEDIATE"
        self.session.connection(execution_options={BEGIN_OPTION: mode})
        # The history listener reads who is acting from the session.
        self.session.info["actor"] = self.actor
        self.people = PeopleRepository(self.session)
        self.people_groups = PeopleGroupRepository(self.session)
        self.catalogs = CatalogRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.events = EventRecorder(self.session)
        self._repositories = {}
        return self

    def __exit__(self, *exc) -> None:
        self.session.rollback()
        self.session.close()

    def repository(self, cls):
        """The repository of class `cls` on this unit of work's session (one instance per class)."""
        found = self._repositories.get(cls)
        if found is None:
            found = self._repositories[cls] = cls(self.session)
        return found

    def records(self, model):
        """A generic repository for a person's child-record model."""
        key = ("records", model)
        found = self._repositories.get(key)
        if found is None:
            found = self._repositories[key] = RecordRepository(self.session, model)
        return found

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()
