"""People queries. Deleted people are invisible to every lookup but `get_any`."""

from collections.abc import Callable
from types import SimpleNamespace

from sqlalchemy import JSON, bindparam, insert, literal, select, union_all
from sqlalchemy.exc import IntegrityError

from personas.domain.errors import DuplicateKey
from personas.domain.identity import RELATED_PROFILE_ITEMS
from personas.persistence import history
from personas.persistence.models.base import new_id, utcnow
from personas.persistence.models.events import OutboxEvent
from personas.persistence.models.history import HistoryEntry
from personas.persistence.models.people import Person
from personas.persistence.prepared import Prepared, insert_row
from personas.persistence.repositories.paging import page_of

_JSON_KEYS = [c.key for c in Person.__mapper__.column_attrs if isinstance(c.columns[0].type, JSON)]
_T = Person.__table__
# Built once: a statement built per call spends most of a short read in SQLAlchemy's coercions and
# misses its compiled cache; these hit it, with their values bound at execution.
_LIVING_ROW = select(_T).where(_T.c.id == bindparam("id"), _T.c.deleted_at.is_(None))
_LIVING_ROWS = select(_T).where(_T.c.deleted_at.is_(None))
_NEWEST_FIRST = (Person.created_at.desc(), Person.id.desc())
_FLAGS: dict[tuple, object] = {}
_TAKEN = select(_T.c.id).where(_T.c.active_national_id == bindparam("nid"))
_TAKEN_BY_OTHER = _TAKEN.where(_T.c.id != bindparam("id"))


def _record(row) -> SimpleNamespace:
    # A Row's attribute access costs ~1 us a name; a view reads 26 of them.
    return SimpleNamespace(**row._mapping)


def _flags_statement(models: tuple[tuple[str, type], ...], single: bool, count: int | None = None):
    """UNION ALL of the child tables: which of them hold rows of the person `id` (single), of the
    expanding `ids`, or (with `count`) of `id_0` ... `id_<count-1>`. One person, or a known number of
    them, gets its own statement: an expanding IN is rendered again on every run."""
    found = _FLAGS.get((models, single, count))
    if found is None:

        def matching(model):
            if single:
                return model.person_id == bindparam("id")
            if count is not None:
                return model.person_id.in_([bindparam(f"id_{i}") for i in range(count)])
            return model.person_id.in_(bindparam("ids", expanding=True))

        parts = [
            select(literal(item).label("kind"), model.person_id).where(matching(model)).distinct()
            for item, model in models
        ]
        found = _FLAGS[(models, single, count)] = union_all(*parts)
    return found


class PeopleRepository:
    def __init__(self, session, repository: Callable[[str], object]):
        self.session = session
        # The unit of work's repository of that name: the profile's child records are read from its model.
        self._repository = repository

    def add(self, person: Person) -> Person:
        self.session.add(person)
        return person

    def new(self, **fields) -> Person:
        return self.add(Person(**fields))

    def _alive(self):
        return select(Person).where(Person.deleted_at.is_(None))

    def get(self, person_id: str) -> Person | None:
        person = self.session.get(Person, person_id)
        return person if person is not None and person.deleted_at is None else None

    def read(self, person_id: str):
        """The living person as a read-only row (attributes named as the model's columns), or None: for
        answers that only show the person, without loading it into the session."""
        row = self.session.execute(_LIVING_ROW, {"id": person_id}).first()
        return None if row is None else _record(row)

    def get_any(self, person_id: str) -> Person | None:
        return self.session.get(Person, person_id)

    def by_national_id(self, national_id: str) -> Person | None:
        return self.session.scalars(select(Person).where(Person.active_national_id == national_id)).first()

    def national_id_taken(self, national_id: str, except_id: str | None = None) -> bool:
        if except_id:
            return self.session.execute(_TAKEN_BY_OTHER, {"nid": national_id, "id": except_id}).first() is not None
        # Asked by every create, inside its writing transaction: prepared, on the session's connection.
        return bool(_prepared(_TAKEN).rows(self.session.connection(), {"nid": national_id}))

    def taken_national_ids(self, national_ids) -> dict[str, tuple[str, str]]:
        """{national_id: (stored national_id, person id)} for those held by a living person; one query per 500."""
        wanted, found = list(dict.fromkeys(national_ids)), {}
        for start in range(0, len(wanted), 500):
            stmt = select(Person.active_national_id, Person.national_id, Person.id).where(
                Person.active_national_id.in_(wanted[start : start + 500])
            )
            for active, national_id, person_id in self.session.execute(stmt):
                found[active] = (national_id, person_id)
        return found

    def insert_new(self, rows: list[dict]) -> list[SimpleNamespace]:
        """Insert new people, each with the `create` history entry the flush listener would write for it.

        Two executemany statements instead of a unit-of-work flush: for bulk creation (the import).
        Each row needs `id`; columns not given are stored NULL, as `Person(**row)` would store them.
        Returns the people as plain records with every column (for views), in the order given.
        """
        actor = self.session.info.get("actor") or {}
        keys = [c.key for c in Person.__mapper__.column_attrs]
        people, entries = [], []
        for row in rows:
            now = utcnow()
            values = dict.fromkeys(keys) | row | {"created_at": now, "updated_at": now}
            people.append(values)
            entries.append(
                {
                    "id": new_id(),
                    "person_id": values["id"],
                    "resource_type": Person.__history__,
                    "resource_id": str(values["id"]),
                    "action": "create",
                    "field": None,
                    "old_value": None,
                    "new_value": history.snapshot(Person, values),
                    "api_key_id": actor.get("id"),
                    "api_key_name": actor.get("name"),
                    "created_at": now,
                }
            )
        # A JSON column given None would store JSON 'null', not the SQL NULL the ORM leaves when a
        # column is not set: rows go in grouped by which JSON columns they leave out.
        groups: dict[tuple, list[dict]] = {}
        for values in people:
            unset = tuple(k for k in _JSON_KEYS if values[k] is None)
            groups.setdefault(unset, []).append(
                {k: v for k, v in values.items() if k not in unset} if unset else values
            )
        # One person (a create) goes in as prepared statements, many as one executemany per table.
        connection = self.session.connection() if len(people) == 1 else None
        try:
            for group in groups.values():
                if connection is not None:
                    insert_row(connection, Person.__table__, group[0])
                else:
                    self.session.execute(insert(Person.__table__), group)
        except IntegrityError as exc:  # a national_id taken by another writer since it was checked
            raise DuplicateKey("a national_id is already taken") from exc
        if connection is not None:
            insert_row(connection, HistoryEntry.__table__, entries[0])
        elif entries:
            self.session.execute(insert(HistoryEntry.__table__), entries)
        if people:
            # A row to look up should COMMIT's answer be lost (persistence.uow), as a flush would note.
            self.session.info.setdefault("inserted_row", (Person, people[0]["id"]))
        return [SimpleNamespace(**values) for values in people]

    def record_events(self, name: str, items: list[tuple[str, dict]]) -> None:
        """Outbox events `name` for people, (person id, payload) each, with one executemany.

        The bulk form of EventRecorder.record (same rows), for the people `insert_new` created.
        """
        if items:
            rows = [
                {"id": new_id(), "name": name, "resource_name": "person", "resource_id": i, "payload": p}
                for i, p in items
            ]
            self.session.execute(insert(OutboxEvent.__table__), rows)

    def by_external_id(self, external_id: str) -> Person | None:
        stmt = self._alive().where(Person.external_ref_id == external_id).order_by(Person.created_at.desc())
        return self.session.scalars(stmt).first()

    def by_facetec_id(self, facetec_id: str) -> Person | None:
        stmt = self._alive().where(Person.facetec_ref_id == facetec_id).order_by(Person.created_at.desc())
        return self.session.scalars(stmt).first()

    def by_ids(self, ids: list[str]) -> list[Person]:
        return list(self.session.scalars(self._alive().where(Person.id.in_(ids)).order_by(Person.created_at)))

    def by_external_ids(self, external_ids: list[str]) -> list[Person]:
        stmt = self._alive().where(Person.external_ref_id.in_(external_ids)).order_by(Person.created_at)
        return list(self.session.scalars(stmt))

    def page(self, page: int, per_page: int, people_group_id: str | None = None, cursor: str | None = None):
        # Read-only rows, not ORM objects: a page is only shown.
        stmt = _LIVING_ROWS
        if people_group_id:
            stmt = stmt.where(_T.c.people_group_id == people_group_id)
        found = page_of(self.session, stmt, page, per_page, _NEWEST_FIRST, cursor, rows=True)
        found.items = [_record(row) for row in found.items]
        return found

    def history(self, person_id: str, page: int, per_page: int, cursor: str | None = None):
        stmt = select(HistoryEntry).where(HistoryEntry.person_id == person_id)
        order = (HistoryEntry.created_at.desc(), HistoryEntry.id.desc())
        return page_of(self.session, stmt, page, per_page, order, cursor)

    def profile_models(self) -> dict[str, type]:
        """The model of each of domain.identity.RELATED_PROFILE_ITEMS: its repository's."""
        return {item: self._repository(name).model for item, name in RELATED_PROFILE_ITEMS.items()}

    def profile_flags(self, person_ids: list[str]) -> dict[str, dict[str, bool]]:
        """Which child records each person has, for `information_percentage`."""
        flags = {pid: dict.fromkeys(RELATED_PROFILE_ITEMS, False) for pid in person_ids}
        if not person_ids:
            return flags
        # One round trip for all the tables (a GET of one person used to pay one query per table).
        for kind, pid in self._flag_rows(tuple(self.profile_models().items()), list(flags)):
            flags[pid][kind] = True
        return flags

    def _flag_rows(self, models: tuple, ids: list[str]):
        """(kind, person id) of each child table holding rows of those people."""
        if len(ids) == 1:
            return self.session.execute(_flags_statement(models, True), {"id": ids[0]})
        return self.session.execute(_flags_statement(models, False), {"ids": ids})


_PREPARED: dict[object, Prepared] = {}
# Up to a page's most people (the spec's largest per_page) the flags of several people run prepared.
PREPARED_IDS = 100


def _prepared(statement) -> Prepared:
    found = _PREPARED.get(statement)
    if found is None:
        found = _PREPARED[statement] = Prepared(statement)
    return found


class PeopleReader(PeopleRepository):
    """The reads of a ReadUnit (a Core connection, no session): a person and the flags of up to a page of
    people run as prepared statements on the connection's DB-API cursor (persistence.prepared), the rest
    as Core."""

    def read(self, person_id: str):
        found = self._records(_LIVING_ROW, {"id": person_id})
        return found[0] if found else None

    def page(self, page: int, per_page: int, people_group_id: str | None = None, cursor: str | None = None):
        if people_group_id:
            return super().page(page, per_page, people_group_id, cursor)
        # All living people: the first page and those after a cursor run prepared, as records (paging.page_of);
        # the others come as Core rows.
        found = page_of(self.session, _LIVING_ROWS, page, per_page, _NEWEST_FIRST, cursor, rows=True, run=self._records)
        found.items = [item if type(item) is SimpleNamespace else _record(item) for item in found.items]
        return found

    def _records(self, statement, params: dict) -> list:
        prepared = _prepared(statement)
        keys = prepared.keys(self.session.dialect)
        return [SimpleNamespace(**dict(zip(keys, row, strict=True))) for row in prepared.rows(self.session, params)]

    def _flag_rows(self, models: tuple, ids: list[str]):
        if len(ids) == 1:
            statement, params = _flags_statement(models, True), {"id": ids[0]}
        elif len(ids) <= PREPARED_IDS:
            # A page of people: the statement for that many ids (one per page size asked for).
            statement, params = _flags_statement(models, False, len(ids)), {f"id_{i}": pid for i, pid in enumerate(ids)}
        else:  # an expanding IN, rendered per run by SQLAlchemy
            return super()._flag_rows(models, ids)
        return _prepared(statement).rows(self.session, params)
