"""Custom catalogs and their values; lists go by ascending id, as the spec promises."""

from sqlalchemy import insert, select

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

    def get_catalog(self, catalog_id: int) -> CustomCatalog | None:
        return self.session.get(CustomCatalog, catalog_id)

    def catalogs_page(self, page: int, per_page: int, cursor: str | None = None):
        return page_of(self.session, select(CustomCatalog), page, per_page, (CustomCatalog.id.asc(),), cursor)

    def values_of(self, catalog_id: int) -> list[CustomCatalogValue]:
        stmt = select(CustomCatalogValue).where(CustomCatalogValue.custom_catalog_id == catalog_id)
        return list(self.session.scalars(stmt.order_by(CustomCatalogValue.id)))

    def new_value(self, **fields) -> CustomCatalogValue:
        record = CustomCatalogValue(**fields)
        self.session.add(record)
        return record

    def get_value(self, value_id: int) -> CustomCatalogValue | None:
        return self.session.get(CustomCatalogValue, value_id)

    def values_page(self, page: int, per_page: int, catalog_id: int | None = None, cursor: str | None = None):
        stmt = select(CustomCatalogValue)
        if catalog_id is not None:
            stmt = stmt.where(CustomCatalogValue.custom_catalog_id == catalog_id)
        return page_of(self.session, stmt, page, per_page, (CustomCatalogValue.id.asc(),), cursor)

    def value_taken(self, catalog_id: int, value_hash: str, except_id: int | None = None) -> bool:
        stmt = select(CustomCatalogValue.id).where(
            CustomCatalogValue.custom_catalog_id == catalog_id, CustomCatalogValue.value_hash == value_hash
        )
        if except_id is not None:
            stmt = stmt.where(CustomCatalogValue.id != except_id)
        return self.session.scalars(stmt.limit(1)).first() is not None

    def existing_hashes(self, catalog_id: int, hashes: list[str]) -> set[str]:
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
        """One multi-row INSERT per batch rather than an ORM object per value (a bulk load has up to 10 000)."""
        if rows:
            self.session.execute(insert(CustomCatalogValue), rows)
