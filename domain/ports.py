"""What the domain needs from the outside, declared here and implemented elsewhere.

Use cases take a `UnitOfWork`: one transaction with named repositories (`uow.people`, `uow.addresses`,
...). persistence.uow implements it; the domain never sees a model class, a session or a driver error.
Records that come back are opaque objects with attributes (the persistence layer's rows); the domain reads
and sets their fields, and hands them back to the repository they came from.
"""

from datetime import datetime
from typing import Any, Protocol


class Records(Protocol):
    """The records of one kind that belong to a person (addresses, contact data, references, ...)."""

    def new(self, **fields) -> Any: ...

    def add(self, record) -> Any: ...

    def get(self, record_id) -> Any | None: ...

    def delete(self, record) -> None: ...

    def for_person(self, person_id: str) -> list: ...

    def page(self, page: int, per_page: int, cursor: str | None = None, **filters) -> Any: ...


class ContactCodes(Protocol):
    """The one-time codes that confirm contact data; a record of contact data lists its own as `codes`."""

    def issue(self, contact, **fields) -> Any:
        """A new code of `contact`, in its `codes` at once."""
        ...

    def sent_since(self, channel: str, destination: str, since: datetime) -> list[datetime]:
        """When codes went to `destination` after `since`, oldest first, whichever contact they were for."""
        ...

    def count_attempt(self, code, limit: int) -> bool:
        """Count one check of `code` unless `limit` are counted already (False then), safe against
        checks sent in parallel."""
        ...


class People(Protocol):
    def new(self, **fields) -> Any: ...

    def get(self, person_id: str) -> Any | None: ...

    def read(self, person_id: str) -> Any | None:
        """The living person, read-only (attribute access only): for answers that just show it."""
        ...

    def get_any(self, person_id: str) -> Any | None: ...

    def by_national_id(self, national_id: str) -> Any | None: ...

    def national_id_taken(self, national_id: str, except_id: str | None = None) -> bool: ...

    def taken_national_ids(self, national_ids) -> dict[str, tuple[str, str]]:
        """{national_id: (stored national_id, person id)} for those a living person holds."""
        ...

    def insert_new(self, rows: list[dict]) -> list:
        """Store many new people at once (with their history); DuplicateKey when another writer took one
        of their national_ids since it was checked."""
        ...

    def record_events(self, name: str, items: list[tuple[str, dict]]) -> None:
        """Events `name` of many people at once: (person id, payload) each."""
        ...

    def profile_flags(self, person_ids: list[str]) -> dict[str, dict[str, bool]]:
        """Which of domain.identity.RELATED_PROFILE_ITEMS each person has."""
        ...


class Events(Protocol):
    def record(self, name: str, resource_name: str, resource_id: str, payload: dict) -> None: ...

    def last_sequence(self) -> int:
        """The position of the latest event written, in the order the database wrote them (0 before any)."""
        ...


class Views(Protocol):
    """The published representation of a record of `kind` ("address", "contact_data", ...), as an event
    payload carries it. The handlers own the representation; the composition root hands it over."""

    def __call__(self, kind: str, record) -> dict: ...


class Jobs(Protocol):
    """Background work, named by dotted path: `enqueue("personas.jobs.validations.run_validation", id)`."""

    def enqueue(self, name: str, *args) -> None: ...


class Stored(Protocol):
    """Records of one kind that stand on their own (notification channels, deliveries, media, ...)."""

    def new(self, **fields) -> Any: ...

    def get(self, record_id) -> Any | None: ...

    def delete(self, record) -> None: ...

    def page(self, page: int, per_page: int, cursor: str | None = None, **filters) -> Any: ...


class PeopleGroups(Stored, Protocol):
    """Groups of people; deleting one leaves its people without a group."""


class TemporaryPeople(Stored, Protocol):
    def get_for_update(self, temporary_id: str) -> Any | None:
        """The temporary person, locked until the transaction ends."""
        ...


class Media(Stored, Protocol):
    def owner_exists(self, model: str, model_id: str) -> bool:
        """Whether the record that the API's `model` name and `model_id` point at exists."""
        ...


class TemporaryFiles(Stored, Protocol):
    def expired(self, now: datetime, limit: int) -> list:
        """Up to `limit` temporary files whose `expires_at` is before `now`, the oldest first."""
        ...


class CustomCatalogs(Protocol):
    def new_catalog(self, **fields) -> Any: ...

    def get_catalog(self, catalog_id: str) -> Any | None: ...

    def catalogs_page(self, page: int, per_page: int, cursor: str | None = None) -> Any: ...

    def values_of(self, catalog_id: str) -> list: ...

    def new_value(self, **fields) -> Any: ...

    def get_value(self, value_id: str) -> Any | None: ...

    def values_page(
        self, page: int, per_page: int, catalog_id: str | None = None, cursor: str | None = None
    ) -> Any: ...

    def value_taken(self, catalog_id: str, value_hash: str, except_id: str | None = None) -> bool: ...

    def existing_hashes(self, catalog_id: str, hashes: list[str]) -> set[str]: ...

    def insert_values(self, rows: list[dict]) -> None: ...


class DynamicProperties(Protocol):
    """Dynamic properties and the versions of people's values for them."""

    def new_property(self, **fields) -> Any: ...

    def get_property(self, property_id: str) -> Any | None: ...

    def properties_page(self, page: int, per_page: int, cursor: str | None = None) -> Any: ...

    def key_taken(self, key: str, except_id: str | None = None) -> bool: ...

    def existing_catalogs(self, catalog_ids: set[str]) -> set[str]: ...

    def catalog_hashes(self, catalog_id: str, hashes: set[str]) -> set[str]:
        """Which of these value digests are values of the custom catalog."""
        ...

    def lock_person(self, person_id: str) -> None:
        """Hold the person until the transaction ends: one person's saves run one at a time."""
        ...

    def last_version(self, person_id: str, property_id: str) -> int: ...

    def new_value(self, **fields) -> Any: ...

    def get_value(self, value_id: str) -> Any | None: ...

    def values_page(self, page, per_page, person_id=None, property_id=None, latest_only=False, cursor=None) -> Any: ...


class Validations(Protocol):
    """Validations, their results, and what their checks read. A result keeps the API's `metadata` of its
    outcome as `outcome_metadata`."""

    def new_validation(self, **fields) -> Any: ...

    def validation(self, validation_id) -> Any | None: ...

    def validations_page(self, page: int, per_page: int, cursor: str | None = None) -> Any: ...

    def active(self, classes=None, execution_type=None) -> list: ...

    def by_ids(self, ids) -> list: ...

    def new_result(self, **fields) -> Any: ...

    def result(self, result_id) -> Any | None: ...

    def results_page(self, page: int, per_page: int, model_id=None, validation_id=None, cursor=None) -> Any: ...

    def latest_results(self, model_ids) -> list:
        """The newest result of each validation on each of these records."""
        ...

    def addresses_of(self, person_id: str) -> list: ...

    def address(self, address_id: str) -> Any | None: ...

    def catalog_exists(self, catalog_id: str) -> bool: ...

    def catalog_entries(self, catalog_id: str) -> list[tuple[str, object]]:
        """(label, value) of every value of a custom catalog."""
        ...

    def after_commit(self, callback) -> None:
        """Call `callback()` once this transaction has committed (never if it rolls back)."""
        ...


class PeopleExport(Protocol):
    def rows(self, start: datetime | None, end: datetime | None, with_address: bool, with_contact: bool) -> Any:
        """The export's rows (tuples) of the living people created in [start, end), streamed; a None bound
        leaves that side open."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Repositories by name; nothing is stored unless `commit()` is called."""

    actor: dict | None
    jobs: Jobs | None
    people: People
    events: Events
    addresses: Records
    contact_data: Records
    contact_codes: ContactCodes
    references: Records
    employment_data: Records
    financial_data: Records
    bank_data: Records
    biometrics: Records
    people_groups: PeopleGroups
    credit_bureau_requests: Records
    custom_catalogs: CustomCatalogs
    dynamic_properties: DynamicProperties
    notification_channels: Stored
    deliveries: Stored
    media: Media
    temporary_files: TemporaryFiles
    temporary_people: TemporaryPeople
    validations: Validations
    people_export: PeopleExport

    def view(self, kind: str, record) -> dict: ...

    def flush(self) -> None: ...

    def commit(self) -> None: ...
