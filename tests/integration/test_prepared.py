"""persistence.prepared runs the hot reads on the DB-API cursor: the values it returns and the errors it
raises must be those SQLAlchemy would give for the same statement, on both backends."""

import pytest
from sqlalchemy import column, select, table
from sqlalchemy.exc import DBAPIError

from personas.domain.api_keys import digest
from personas.persistence.prepared import Prepared
from personas.persistence.repositories import api_keys, people
from personas.persistence.uow import ReadUnit, UnitOfWork
from tests.api.test_addresses import SEED_ADDRESS
from tests.conftest import make_key
from tests.support import person_body


def _engine(session_factory):
    return session_factory.kw["bind"]


def test_a_person_row_and_its_flags_come_back_as_sqlalchemy_returns_them(api, session_factory):
    person = api.post("/people", json=person_body(name="Ana")).json()["result"]
    assert api.post("/addresses", json=SEED_ADDRESS | {"person_id": person["id"]}).status_code == 201
    with UnitOfWork(session_factory, readonly=True) as uow:
        flags_statement = people._flags_statement(tuple(uow.people.profile_models().items()), True)
    with _engine(session_factory).connect() as conn:
        for statement, params in ((people._LIVING_ROW, {"id": person["id"]}), (flags_statement, {"id": person["id"]})):
            expected = [tuple(row) for row in conn.execute(statement, params)]
            assert expected  # the person, and its one kind of record
            assert Prepared(statement).rows(conn, params) == expected
        keys = Prepared(people._LIVING_ROW).keys(conn.dialect)
        assert keys == list(conn.execute(people._LIVING_ROW, {"id": person["id"]}).keys())
    (values,) = Prepared(people._LIVING_ROW).raw_rows(_engine(session_factory), {"id": person["id"]})
    row = dict(zip(keys, values, strict=True))
    assert row["name"] == "Ana" and f"{row['birthdate'].isoformat()}T00:00:00Z" == person["birthdate"]
    assert row["created_at"].year >= 2024  # a datetime, as SQLAlchemy turns SQLite's text into


def test_the_api_key_lookup_finds_a_live_key_and_not_another(session_factory):
    key, key_id = make_key(session_factory, name="prepared")
    assert api_keys.active_key(session_factory, digest(key)) == (key_id, "prepared", None)
    assert api_keys.active_key(session_factory, digest(key + "x")) is None


def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(session_factory):
    missing = Prepared(select(column("x")).select_from(table("no_such_table")))
    with pytest.raises(DBAPIError) as raised:
        missing.raw_rows(_engine(session_factory), {})
    assert not raised.value.connection_invalidated


def test_a_lost_connection_is_invalidated_and_reported_so(session_factory):
    with _engine(session_factory).connect() as conn:
        conn.connection.dbapi_connection.close()  # as a server that went away leaves it
        with pytest.raises(DBAPIError) as raised:
            Prepared(people._LIVING_ROW).rows(conn, {"id": "x"})
        assert raised.value.connection_invalidated and conn.invalidated


def test_the_flags_of_a_page_of_people_match_those_read_through_the_session(api, session_factory):
    ids = [api.post("/people", json=person_body()).json()["result"]["id"] for _ in range(3)]
    assert api.post("/addresses", json=SEED_ADDRESS | {"person_id": ids[1]}).status_code == 201
    with UnitOfWork(session_factory, readonly=True) as uow:
        expected = uow.people.profile_flags(ids)
    with ReadUnit(_engine(session_factory)) as unit:
        assert isinstance(unit.people, people.PeopleReader)
        assert unit.people.profile_flags(ids) == expected
    assert [flags["address"] for flags in expected.values()] == [False, True, False]


def test_a_prepared_insert_stores_the_row_core_s_insert_stores(session_factory):
    """An outbox event with a JSON payload and the columns' Python defaults (state, attempts, times), in
    through `insert_row` and through Core: read back alike; a taken primary key is Core's IntegrityError."""
    from sqlalchemy import insert
    from sqlalchemy.exc import IntegrityError

    from personas.persistence.models import OutboxEvent
    from personas.persistence.models.base import new_id
    from personas.persistence.prepared import insert_row

    t = OutboxEvent.__table__
    payload = {"name": "Ñandú", "nested": {"n": [1, 2.5, None, True]}}
    ids = [new_id(), new_id()]
    with _engine(session_factory).begin() as conn:
        fields = {"name": "prepared_test", "resource_name": "person", "resource_id": "r", "payload": payload}
        insert_row(conn, t, {"id": ids[0], **fields})
        conn.execute(insert(t), {"id": ids[1], **fields})
        first, second = (conn.execute(select(t).where(t.c.id == i)).one()._asdict() for i in ids)
        with pytest.raises(IntegrityError):
            insert_row(conn, t, {"id": ids[0], **fields})
    assert first["payload"] == payload and first["seq"] < second["seq"]
    assert abs((second["created_at"] - first["created_at"]).total_seconds()) < 60
    same = ("id", "seq", "created_at", "available_at")
    assert {k: v for k, v in first.items() if k not in same} == {k: v for k, v in second.items() if k not in same}
    assert first["state"] == "pending" and first["attempts"] == 0


def test_pages_of_people_read_prepared_are_those_the_generic_paging_reads(api, session_factory):
    """The first page and the pages after a cursor run prepared in a ReadUnit (paging.page_of's `run`):
    the same people, cursors and links as through the session, forward, backward and by number."""
    for _ in range(12):
        assert api.post("/people", json=person_body()).status_code == 201

    def pages(people):
        def one(page=1, cursor=None):
            found = people.page(page, 3, None, cursor)
            items = [vars(item) for item in found.items]
            return items, found.has_next, found.next_cursor, found.prev_page, found.prev_cursor

        walked = [one()]
        for _ in range(3):
            walked.append(one(2, walked[-1][2]))
        return walked + [one(2, walked[-1][4]), one(3)]

    with UnitOfWork(session_factory, readonly=True) as uow:
        expected = pages(uow.people)
    with ReadUnit(_engine(session_factory)) as unit:
        assert pages(unit.people) == expected
    assert all(len(items) == 3 for items, *_ in expected[:4]) and expected[1][4] and not expected[0][4]
