"""What the domain needs from the outside, declared here and implemented elsewhere.

Use cases take a `UnitOfWork`: one transaction with named repositories (`uow.people`, `uow.addresses`,
...). persistence.uow implements it; the domain never sees a model class, a session or a driver error.
Records that come back are opaque objects with attributes (the persistence layer's rows); the domain reads
and sets their fields, and hands them back to the repository they came from.
"""

from typing import Any, Protocol


class Records(Protocol):
    """The records of one kind that belong to a person (addresses, contact data, references, ...)."""

    def new(self, **fields) -> Any: ...

    def add(self, record) -> Any: ...

    def get(self, record_id) -> Any | None: ...

    def delete(self, record) -> None: ...

    def for_person(self, person_id: str) -> list: ...

    def page(self, page: int, per_page: int, cursor: str | None = None, **filters) -> Any: ...


class People(Protocol):
    def new(self, **fields) -> Any: ...

    def get(self, person_id: str) -> Any | None: ...

    def get_any(self, person_id: str) -> Any | None: ...

    def by_national_id(self, national_id: str) -> Any | None: ...

    def national_id_taken(self, national_id: str, except_id: str | None = None) -> bool: ...


class Events(Protocol):
    def record(self, name: str, resource_name: str, resource_id: str, payload: dict) -> None: ...


class Views(Protocol):
    """The published representation of a record of `kind` ("address", "contact_data", ...), as an event
    payload carries it. The handlers own the representation; the composition root hands it over."""

    def __call__(self, kind: str, record) -> dict: ...


class Jobs(Protocol):
    """Background work, named by dotted path: `enqueue("personas.jobs.validations.run_validation", id)`."""

    def enqueue(self, name: str, *args) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. Repositories by name; nothing is stored unless `commit()` is called."""

    actor: dict | None
    jobs: Jobs | None
    people: People
    events: Events
    addresses: Records
    contact_data: Records
    references: Records
    employment_data: Records
    financial_data: Records
    bank_data: Records
    biometrics: Records

    def view(self, kind: str, record) -> dict: ...

    def flush(self) -> None: ...

    def commit(self) -> None: ...
