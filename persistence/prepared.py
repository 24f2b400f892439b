"""Core statements compiled once per dialect and run on the DB-API cursor: the reads every request makes,
and the single-row INSERTs of a create (`insert_row`).

A Core statement from SQLAlchemy's compiled cache still costs ~40 us of Python a run (execution
context, events, result object), several times what the driver spends; the API-key lookup and the read
of one person run on every request. These run the SQL SQLAlchemy compiled for them, with its own bind
and result processors (so values go in and come out as through SQLAlchemy, on either backend), and a
driver error is raised as SQLAlchemy would raise it (a DBAPIError, the connection invalidated when it
was lost), so retries and error answers treat it alike.
"""

from sqlalchemy import bindparam, insert
from sqlalchemy.exc import DBAPIError

from personas.persistence.db import NOT_READY


class _Compiled:
    def __init__(self, statement, dialect):
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        # Values bound in the statement itself (a `literal()`), beside those given at each run.
        self.defaults = dict(compiled.params)
        self.positional = compiled.positional
        self.names = list(compiled.positiontup) if compiled.positional else list(self.defaults)
        self.binds = dict(compiled._bind_processors)
        columns = statement.selected_columns if statement.is_select else ()
        self.keys = [column.key for column in columns]
        self.results = [column.type._cached_result_processor(dialect, None) for column in columns]
        self.processed = [(i, p) for i, p in enumerate(self.results) if p is not None]


class Prepared:
    """One statement (a SELECT, or DML whose rows are none) with named `bindparam`s; `rows(connection,
    params)` on a SQLAlchemy Connection (inside its transaction) or `raw_rows(engine, params)` on a pooled
    DB-API connection of its own."""

    def __init__(self, statement):
        self.statement = statement
        self._by_dialect: dict[object, _Compiled] = {}

    def compiled(self, dialect) -> _Compiled:
        found = self._by_dialect.get(dialect)
        if found is None:
            found = self._by_dialect[dialect] = _Compiled(self.statement, dialect)
        return found

    def keys(self, dialect) -> list[str]:
        return self.compiled(dialect).keys

    def arguments(self, dialect, params: dict):
        """The driver's arguments for `params`: a list in the SQL's order, or a dict for named styles."""
        c = self.compiled(dialect)
        binds, values = c.binds, {**c.defaults, **params}
        if c.positional:
            return [binds[n](values[n]) if n in binds else values[n] for n in c.names]
        return {n: binds[n](values[n]) if n in binds else values[n] for n in c.names}

    def _run(self, dialect, dbapi_connection, params: dict) -> list[tuple]:
        c = self.compiled(dialect)
        args = self.arguments(dialect, params)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(c.sql, args)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        if not c.processed:
            return list(rows)
        out = []
        for row in rows:
            row = list(row)
            for i, process in c.processed:
                row[i] = process(row[i])
            out.append(tuple(row))
        return out

    def rows(self, connection, params: dict) -> list[tuple]:
        """Run on `connection`'s DB-API connection, in the transaction it has begun."""
        dialect = connection.dialect
        try:
            return self._run(dialect, connection.connection.dbapi_connection, params)
        except dialect.loaded_dbapi.Error as exc:
            lost = _lost(dialect, exc, connection.connection.dbapi_connection)
            if lost:
                connection.invalidate(exc)
            raise self._wrapped(dialect, exc, params, lost) from exc

    def raw_rows(self, engine, params: dict) -> list[tuple]:
        """Run on a pooled DB-API connection of its own (one statement: no transaction is begun on
        SQLite, whose connections run in autocommit mode here; the pool rolls back on return)."""
        dialect = engine.dialect
        pooled = engine.raw_connection()
        try:
            return self._run(dialect, pooled.dbapi_connection, params)
        except dialect.loaded_dbapi.Error as exc:
            lost = _lost(dialect, exc, pooled.dbapi_connection)
            if lost:
                pooled.invalidate(exc)
            raise self._wrapped(dialect, exc, params, lost) from exc
        finally:
            pooled.close()

    def _wrapped(self, dialect, exc, params, lost) -> DBAPIError:
        return DBAPIError.instance(
            self.compiled(dialect).sql,
            params,
            exc,
            dialect.loaded_dbapi.Error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=dialect,
        )


def _lost(dialect, exc, dbapi_connection) -> bool:
    if getattr(exc, "args", None) and exc.args[0] in NOT_READY:
        return True
    return dialect.is_disconnect(exc, dbapi_connection, None)


_INSERTS: dict[tuple, Prepared] = {}
_DEFAULTED: dict[object, list] = {}


def _defaulted(table) -> list:
    found = _DEFAULTED.get(table)
    if found is None:
        python_side = [c for c in table.columns if c.default is not None]
        found = _DEFAULTED[table] = [
            c for c in python_side if not (c.default.is_sequence or c.default.is_clause_element)
        ]
    return found


def insert_row(connection, table, values: dict) -> None:
    """INSERT one row of `table` on `connection`, in the transaction it has begun: `values`, and the
    Python-side defaults of the columns they leave out, as Core's `insert(table)` would send (a column left
    out with none is left to the database). Prepared once per set of columns."""
    row = dict(values)
    for column in _defaulted(table):
        if column.key not in row:
            default = column.default
            row[column.key] = default.arg(None) if default.is_callable else default.arg
    key = (table, tuple(row))
    prepared = _INSERTS.get(key)
    if prepared is None:
        binds = {k: bindparam(k, type_=table.c[k].type) for k in row}
        prepared = _INSERTS[key] = Prepared(insert(table).values(binds))
    prepared.rows(connection, row)
