"""Dynamic properties, their values (versions), and the catalog look-ups the rule engine needs."""

from sqlalchemy import func, select, text
from sqlalchemy.orm import aliased

from personas.persistence.models.custom_catalogs import CustomCatalog, CustomCatalogValue
from personas.persistence.models.dynamic_properties import DynamicProperty, DynamicValue
from personas.persistence.models.people import Person
from personas.persistence.repositories.paging import page_of


class DynamicPropertyRepository:
    def __init__(self, session):
        self.session = session

    def new_property(self, **fields) -> DynamicProperty:
        prop = DynamicProperty(**fields)
        self.session.add(prop)
        return prop

    def get_property(self, property_id: str) -> DynamicProperty | None:
        return self.session.get(DynamicProperty, property_id.lower())

    def properties_page(self, page: int, per_page: int, cursor: str | None = None):
        order = (DynamicProperty.created_at.asc(), DynamicProperty.id.asc())
        return page_of(self.session, select(DynamicProperty), page, per_page, order, cursor)

    def key_taken(self, key: str, except_id: str | None = None) -> bool:
        stmt = select(DynamicProperty.id).where(DynamicProperty.key == key)
        if except_id is not None:
            stmt = stmt.where(DynamicProperty.id != except_id)
        return self.session.scalars(stmt.limit(1)).first() is not None

    def existing_catalogs(self, catalog_ids: set[str]) -> set[str]:
        return set(self.session.scalars(select(CustomCatalog.id).where(CustomCatalog.id.in_(catalog_ids))))

    def catalog_hashes(self, catalog_id: str, hashes: set[str]) -> set[str]:
        """Which of these value digests are values of the catalog."""
        stmt = select(CustomCatalogValue.value_hash).where(
            CustomCatalogValue.custom_catalog_id == catalog_id, CustomCatalogValue.value_hash.in_(hashes)
        )
        return set(self.session.scalars(stmt))

    def lock_person(self, person_id: str) -> None:
        """Holds the person until commit, so one person's saves run one at a time and never share a version.

        MariaDB: a row lock (FOR UPDATE). SQLite has no row locks, and its driver runs plain SELECTs outside the
        transaction, so a no-op UPDATE opens the transaction and takes the database's write lock instead.
        """
        if self.session.get_bind().dialect.name == "sqlite":
            self.session.execute(text("UPDATE people SET id = id WHERE id = :id"), {"id": person_id})
        else:
            self.session.execute(select(Person.id).where(Person.id == person_id).with_for_update())

    def last_version(self, person_id: str, property_id: str) -> int:
        """A locking read: under REPEATABLE READ a plain one would see the snapshot taken before the lock wait."""
        stmt = select(func.max(DynamicValue.version)).where(
            DynamicValue.person_id == person_id, DynamicValue.dynamic_property_id == property_id
        )
        return self.session.scalar(stmt.with_for_update()) or 0

    def new_value(self, **fields) -> DynamicValue:
        record = DynamicValue(**fields)
        self.session.add(record)
        return record

    def get_value(self, value_id: str) -> DynamicValue | None:
        return self.session.get(DynamicValue, value_id.lower())

    def values_page(self, page, per_page, person_id=None, property_id=None, latest_only: bool = False, cursor=None):
        """Newest first (created_at, then version); with `latest_only`, one row per person and property."""
        stmt = select(DynamicValue)
        if person_id is not None:
            stmt = stmt.where(DynamicValue.person_id == person_id.lower())
        if property_id is not None:
            stmt = stmt.where(DynamicValue.dynamic_property_id == property_id.lower())
        if latest_only:
            other = aliased(DynamicValue)
            newest = select(func.max(other.version)).where(
                other.person_id == DynamicValue.person_id,
                other.dynamic_property_id == DynamicValue.dynamic_property_id,
            )
            stmt = stmt.where(DynamicValue.version == newest.scalar_subquery())
        order = (DynamicValue.created_at.desc(), DynamicValue.version.desc(), DynamicValue.id.desc())
        return page_of(self.session, stmt, page, per_page, order, cursor)
