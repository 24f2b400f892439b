"""Unit of work: one session and one transaction per request or job, committed once."""

import logging
from collections.abc import Callable

from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from personas.persistence.db import BEGIN_OPTION
from personas.persistence.models.addresses import Address
from personas.persistence.models.bank_data import BankData
from personas.persistence.models.biometrics import Biometric
from personas.persistence.models.contact_data import ContactData
from personas.persistence.models.credit_bureau_requests import CreditBureauRequest
from personas.persistence.models.deliveries import Delivery
from personas.persistence.models.employment_data import EmploymentData
from personas.persistence.models.financial_data import FinancialData
from personas.persistence.models.notification_channels import NotificationChannel
from personas.persistence.models.references import PersonReference
from personas.persistence.models.signatures import SignatureDocument, Signer
from personas.persistence.repositories.api_keys import ApiKeyRepository
from personas.persistence.repositories.catalogs import CatalogRepository
from personas.persistence.repositories.contact_codes import ContactCodeRepository
from personas.persistence.repositories.curp_registry import CurpRegistryRepository
from personas.persistence.repositories.custom_catalogs import CustomCatalogRepository
from personas.persistence.repositories.dynamic_properties import DynamicPropertyRepository
from personas.persistence.repositories.events import EventRecorder
from personas.persistence.repositories.files import MediaRepository, TemporaryFileRepository
from personas.persistence.repositories.people import PeopleReader, PeopleRepository
from personas.persistence.repositories.people_export import PeopleExport
from personas.persistence.repositories.people_groups import PeopleGroupRepository
from personas.persistence.repositories.records import RecordRepository
from personas.persistence.repositories.screening import ScreeningRepository
from personas.persistence.repositories.temporary_people import TemporaryPeopleRepository
from personas.persistence.repositories.validations import ValidationRepository
from personas.persistence.retry import CommitOutcomeUnknown, note_commit

log = logging.getLogger("personas.uow")

# The repositories the domain's ports name (personas.domain.ports.UnitOfWork), built on first use.
REPOSITORIES: dict[str, Callable[[Session], object]] = {
    "addresses": lambda session: RecordRepository(session, Address),
    "bank_data": lambda session: RecordRepository(session, BankData),
    "biometrics": lambda session: RecordRepository(session, Biometric),
    "contact_codes": ContactCodeRepository,
    "contact_data": lambda session: RecordRepository(session, ContactData),
    "employment_data": lambda session: RecordRepository(session, EmploymentData),
    "financial_data": lambda session: RecordRepository(session, FinancialData),
    "references": lambda session: RecordRepository(session, PersonReference),
    "credit_bureau_requests": lambda session: RecordRepository(session, CreditBureauRequest),
    "curp_registry": CurpRegistryRepository,
    "custom_catalogs": CustomCatalogRepository,
    "deliveries": lambda session: RecordRepository(session, Delivery),
    "dynamic_properties": DynamicPropertyRepository,
    "media": MediaRepository,
    "notification_channels": lambda session: RecordRepository(session, NotificationChannel),
    "people_export": PeopleExport,
    "temporary_files": TemporaryFileRepository,
    "temporary_people": TemporaryPeopleRepository,
    "validations": ValidationRepository,
    "screening": ScreeningRepository,
    "signature_documents": lambda session: RecordRepository(session, SignatureDocument),
    "signers": lambda session: RecordRepository(session, Signer),
}


def _named_repository(unit, name: str, handle: str):
    # Only reached for names not set yet: a repository of REPOSITORIES on the unit's session or
    # connection (`handle`), kept for this unit of work.
    factory = REPOSITORIES.get(name)
    if factory is None or handle not in unit.__dict__:
        raise AttributeError(name)
    repository = factory(unit.__dict__[handle])
    setattr(unit, name, repository)
    return repository


class ReadUnit:
    """A read-only unit of work on a Core connection, for answers built from Core rows alone.

    Its repositories get the connection where the unit of work gives a session: the same `execute`,
    `scalars` and `scalar`, without the session's transaction bookkeeping, identity map and flush
    checks, which cost a short read more than its statements do. Only for reads whose repository
    methods run Core statements (a method that loads ORM objects gets rows here, not objects). One
    transaction, so the reads agree with each other; always rolled back.
    """

    readonly = True
    actor = None
    jobs = None

    def __init__(self, engine):
        self._engine = engine

    def __enter__(self) -> "ReadUnit":
        self.connection = self._engine.connect()
        self.connection.execution_options(**{BEGIN_OPTION: "DEFERRED"})
        self.connection.begin()
        self.people = PeopleReader(self.connection, lambda name: getattr(self, name))
        return self

    def __exit__(self, *exc) -> None:
        self.connection.close()  # rolls the transaction back

    def __getattr__(self, name: str):
        return _named_repository(self, name, "connection")


class UnitOfWork:
    """Context manager; rolls back unless `commit()` was called."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        actor: dict | None = None,
        readonly: bool = False,
        views: Callable[[str, object], dict] | None = None,
        jobs=None,
    ):
        self._factory = session_factory
        self.actor = actor
        self.readonly = readonly
        self._views = views
        # Background jobs (`enqueue(dotted_name, *args)`), for use cases that start work after the request.
        self.jobs = jobs

    def __enter__(self) -> "UnitOfWork":
        # On SQLite a unit of work that may write takes the write lock when its transaction begins, so
        # reading first and writing later cannot fail half-way; readers do not queue behind the writer.
        # (persistence.db; other backends ignore the option.) The transaction begins with the first
        # statement: what a use case checks before it reads (the identity rules of a new person) runs
        # before the lock is taken. Keep writing units of work short: the lock is held until the end.
        mode = "DEFERRED" if self.readonly else "IMMEDIATE"
        self.session = self._factory(bind=self._factory.begin_binds[mode])
        # The history listener reads who is acting from the session.
        self.session.info["actor"] = self.actor
        self.people = PeopleRepository(self.session, lambda name: getattr(self, name))
        self.people_groups = PeopleGroupRepository(self.session)
        self.catalogs = CatalogRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.events = EventRecorder(self.session)
        return self

    def __exit__(self, *exc) -> None:
        self.session.rollback()
        self.session.close()

    def __getattr__(self, name: str):
        return _named_repository(self, name, "session")

    def view(self, kind: str, record) -> dict:
        """The published representation of `record` (an event's payload), by the views it was given."""
        if self._views is None:
            raise RuntimeError("this unit of work was built without views")
        return self._views(kind, record)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.flush()
        inserted = self.session.info.pop("first_insert", None)
        identity = inspect(inserted).identity if inserted is not None else None
        probe = (type(inserted), identity) if identity is not None else None
        # Or a row inserted with Core (PeopleRepository.insert_new), which no flush saw.
        row = self.session.info.pop("inserted_row", None)
        probe = probe or row
        try:
            self.session.commit()
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise  # refused (a Galera certification conflict, say): nothing was committed
            if probe is None:
                raise CommitOutcomeUnknown("the connection was lost during COMMIT") from exc
            if not self._committed(*probe):
                raise  # not in: the transaction can be run again
            # In, though its answer was lost: the session rolled its own state back, so the objects it
            # holds are read again from the database (through another connection) when used.
            log.warning("COMMIT's answer was lost with its connection; the transaction is in")
        note_commit()

    def _committed(self, model, identity) -> bool:
        """Whether the row of `model` with primary key `identity` exists, asked on a new connection."""
        try:
            with self._factory() as session:
                return session.get(model, identity) is not None
        except DBAPIError as exc:
            raise CommitOutcomeUnknown("the connection was lost during COMMIT") from exc
