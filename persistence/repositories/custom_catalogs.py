"""Custom catalogs and their values; lists go from the oldest to the newest, (created_at, id), as the spec says.

Ids are looked up lower-cased: the spec accepts a UUID in either case, the tables hold it in lower case.
"""

from datetime import timedelta

from sqlalchemy import insert, select

from personas.persistence.models.base import new_id, utcnow
from personas.persistence.models.custom_catalogs import CustomCatalog, CustomCatalogValue
from personas.persistence.repositories.paging import page_of

# Digests per IN list when checking a bulk load against the catalog: well under every backend's limits.
CHUNK = 500


class CustomCatalogRepository:
    def __init__(self, session):
        self.session = session

    def new_catalog(self, **fields) -> CustomCatalog:
        catalog = CustomCatalog(**fields)
        self.session.add(catalog)
        return catalog

    def get_catalog(self, catalog_id: str) -> CustomCatalog | None:
        return self.session.get(CustomCatalog, catalog_id.lower())

    def catalogs_page(self, page: int, per_page: int, cursor: str | None = None):
        order = (CustomCatalog.created_at.asc(), CustomCatalog.id.asc())
        return page_of(self.session, select(CustomCatalog), page, per_page, order, cursor)

    def values_of(self, catalog_id: str) -> list[CustomCatalogValue]:
        stmt = select(CustomCatalogValue).where(CustomCatalogValue.custom_catalog_id == catalog_id.lower())
        return list(self.session.scalars(stmt.order_by(CustomCatalogValue.created_at, CustomCatalogValue.id)))

    def new_value(self, **fields) -> CustomCatalogValue:
        record = CustomCatalogValue(**fields)
        self.session.add(record)
        return record

    def get_value(self, value_id: str) -> CustomCatalogValue | None:
        return self.session.get(CustomCatalogValue, value_id.lower())

    def values_page(self, page: int, per_page: int, catalog_id: str | None = None, cursor: str | None = None):
        stmt = select(CustomCatalogValue)
        if catalog_id is not None:
            stmt = stmt.where(CustomCatalogValue.custom_catalog_id == catalog_id.lower())
        order = (CustomCatalogValue.created_at.asc(), CustomCatalogValue.id.asc())
        return page_of(self.session, stmt, page, per_page, order, cursor)

    def value_taken(self, catalog_id: str, value_hash: str, except_id: str | None = None) -> bool:
        stmt = select(CustomCatalogValue.id).where(
            CustomCatalogValue.custom_catalog_id == catalog_id, CustomCatalogValue.value_hash == value_hash
        )
        if except_id is not None:
            stmt = stmt.where(CustomCatalogValue.id != except_id)
        return self.session.scalars(stmt.limit(1)).first() is not None

    def existing_hashes(self, catalog_id: str, hashes: list[str]) -> set[str]:
        """Which of these value digests the catalog already holds."""
        found: set[str] = set()
        for start in range(0, len(hashes), CHUNK):
            stmt = select(CustomCatalogValue.value_hash).where(
                CustomCatalogValue.custom_catalog_id == catalog_id,
                CustomCatalogValue.value_hash.in_(hashes[start : start + CHUNK]),
            )
            found.update(self.session.scalars(stmt))
        return found

    def insert_values(self, rows: list[dict]) -> None:
        """One multi-row INSERT per batch rather than an ORM object per value (a bulk load has up to 10 000).

        Each row gets its own microsecond, in the order given: random ids alone would shuffle the rows of one
        load in the lists, which go by (created_at, id).
        """
        if rows:
            now = utcnow()
            stamps = [now + timedelta(microseconds=n) for n in range(len(rows))]
            stamped = [
                {"id": new_id(), "created_at": at, "updated_at": at} | row for at, row in zip(stamps, rows, strict=True)
            ]
            self.session.execute(insert(CustomCatalogValue), stamped)
