"""The CURP registry's local table (persistence.models.curp_registry): one CURP's row, and loads."""

from collections.abc import Iterable

from sqlalchemy import select

from personas.persistence.models.base import utcnow
from personas.persistence.models.curp_registry import CurpRegistryEntry

COLUMNS = (
    "curp",
    "name",
    "first_lastname",
    "second_lastname",
    "sex",
    "birthdate",
    "birth_state",
    "status",
    "status_detail",
)
# CURPs per query when a load looks for the rows it replaces: well under every backend's bound parameters.
CHUNK = 500


def _as_dict(entry: CurpRegistryEntry) -> dict:
    return {column: getattr(entry, column) for column in (*COLUMNS, "loaded_at")}


class CurpRegistryRepository:
    def __init__(self, session):
        self.session = session

    def find(self, curp: str) -> dict | None:
        """The stored row of `curp` (its columns, `birthdate` a date, `loaded_at` a naive UTC datetime)."""
        entry = self.session.get(CurpRegistryEntry, curp)
        return None if entry is None else _as_dict(entry)

    def any(self) -> bool:
        """Whether an operator loaded any record: an empty table is a registry nobody configured."""
        return self.session.scalars(select(CurpRegistryEntry.curp).limit(1)).first() is not None

    def upsert_many(self, rows: Iterable[dict]) -> tuple[int, int, int]:
        """Store `rows` (dicts of COLUMNS, one per CURP): (added, updated, unchanged). Every row's
        `loaded_at` becomes now, an unchanged one's too: the load vouches for it."""
        rows = list(rows)
        now, added, updated = utcnow(), 0, 0
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            wanted = [row["curp"] for row in chunk]
            stored = {
                e.curp: e
                for e in self.session.scalars(select(CurpRegistryEntry).where(CurpRegistryEntry.curp.in_(wanted)))
            }
            for row in chunk:
                values = {column: row.get(column) for column in COLUMNS}
                entry = stored.get(row["curp"])
                if entry is None:
                    self.session.add(CurpRegistryEntry(**values, loaded_at=now))
                    added += 1
                    continue
                if any(getattr(entry, column) != value for column, value in values.items()):
                    updated += 1
                for column, value in values.items():
                    setattr(entry, column, value)
                entry.loaded_at = now
            self.session.flush()
        return added, updated, len(rows) - added - updated
