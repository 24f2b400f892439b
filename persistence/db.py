"""Engine and session factory, built from configuration by the caller (never at import time)."""

import contextlib
import fcntl
import logging
import os
import threading
import time

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

BEGIN_OPTION = "sqlite_begin"
"""Execution option naming SQLite's BEGIN mode of a transaction: DEFERRED (default) or IMMEDIATE, or NONE
for a connection that runs one read alone (no BEGIN: SQLite gives a lone statement its own snapshot)."""


PRIVATE = 0o600
"""Mode of the files beside the database: they hold personal data, for the service's user only."""


def _private_file(path: str):
    """Open for appending, creating it when missing, a file only the owner may read."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE), "a")


def _create_private(path: str) -> None:
    """Create the database file before SQLite does with the umask's mode (it gives its -wal and -shm
    files the mode of the database). A missing folder is left for SQLite to report."""
    with contextlib.suppress(FileExistsError, FileNotFoundError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))


def _no_rows(record: logging.LogRecord) -> bool:
    return record.msg != "Row %r"


def _private_params(kwargs: dict) -> dict:
    # Statement parameters and result rows are personal data (CURPs, phones): kept out of SQL logs, even at
    # DEBUG, and out of error messages.
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if _no_rows not in engine_log.filters:
        engine_log.addFilter(_no_rows)
    return {"hide_parameters": True, **kwargs}


def make_engine(url: str, **kwargs) -> Engine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite, pings on MySQL."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **_private_params(kwargs))
        database = engine.url.database
        if database and database != ":memory:" and not engine.url.query.get("uri"):
            _create_private(database)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Several workers share one file: WAL lets readers run beside the writer.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            # pysqlite's own BEGIN is deferred: a transaction that read first and writes later fails at
            # once with "database is locked" when another connection wrote meanwhile (the busy timeout
            # does not apply to that upgrade). We begin ourselves, in the mode the caller asks for:
            # a UnitOfWork that may write asks for IMMEDIATE (it waits for the writer's lock up front).
            dbapi_conn.isolation_level = None

        # Writers queue on locks rather than in SQLite's busy handler, which sleeps and polls (up to
        # 100 ms a turn) and stretched the latency tail of concurrent writes 10-fold: a thread lock
        # within the process, and a POSIX record lock on a file beside the database between processes
        # (the kernel wakes the next writer at once and drops the lock of a process that dies; unlike
        # flock, a forked child, such as RQ's scheduler, does not inherit it).
        # The lock file stays open in the process (opened by its first writer): the record lock is taken
        # and dropped on it, which spares every write an open and a close.
        writers = {"lock": threading.Lock(), "file": None}
        os.register_at_fork(after_in_child=lambda: writers.update(lock=threading.Lock(), file=None))
        lock_path = f"{database}.writer-lock" if database and database != ":memory:" else None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
            if mode == "NONE":
                return  # one statement alone, which SQLite runs as its own transaction
            try:
                if mode == "IMMEDIATE":
                    conn.info["holds_writer"] = writer = writers["lock"]
                    writer.acquire()
                    if lock_path:
                        lock_file = writers["file"] = writers["file"] or _private_file(lock_path)
                        fcntl.lockf(lock_file, fcntl.LOCK_EX)
                        conn.info["writer_file"] = lock_file  # held until the end
                conn.exec_driver_sql(f"BEGIN {mode}")
            except BaseException:
                _release(conn)
                raise

        def _release(conn, *_args):
            lock_file = conn.info.pop("writer_file", None)
            if lock_file is not None:
                fcntl.lockf(lock_file, fcntl.LOCK_UN)
            writer = conn.info.pop("holds_writer", None)
            if writer is not None:
                writer.release()

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)

        return engine
    if url.startswith("mysql"):
        return _mysql_engine(url, **kwargs)
    return create_engine(url, pool_pre_ping=True, **_private_params(kwargs))


# Answers of a server that cannot serve this connection any more (a Galera node that left the primary
# component, a server shutting down): the connection is dropped from the pool like a lost one, so the
# next checkout connects again, to a node that can serve.
NOT_READY = frozenset({1047, 1053})


def _mysql_engine(url: str, **kwargs) -> Engine:
    """MySQL or MariaDB, on one server or on the first of several that can serve (a Galera cluster)."""
    base, hosts = split_hosts(url)
    sync_wait = int(base.query.get("wsrep_sync_wait", "1"))
    base = base.difference_update_query(["wsrep_sync_wait"])
    if "charset" not in base.query:
        base = base.update_query_dict({"charset": "utf8mb4"})
    if "connect_timeout" not in base.query:
        base = base.update_query_dict({"connect_timeout": "3"})  # a dead node is passed over within seconds
    nodes = NodeList(base, hosts, sync_wait)
    engine = create_engine(
        base, creator=nodes.connect, pool_pre_ping=True, pool_recycle=3600, **_private_params(kwargs)
    )
    nodes.dialect = engine.dialect

    @event.listens_for(engine, "handle_error")
    def _not_ready_is_a_disconnect(context):
        orig = context.original_exception
        if getattr(orig, "args", None) and orig.args[0] in NOT_READY:
            context.is_disconnect = True

    return engine


def safe_url(url: str) -> str:
    """`url` without its password, for logs; every host of a list is kept."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, tail = rest.partition("/")
    auth, at, hosts = netloc.rpartition("@")
    user = auth.partition(":")[0]
    return f"{scheme}{sep}{user + ':***' if auth else ''}{at}{hosts}{slash}{tail.partition('?')[0]}"


def split_hosts(url: str) -> tuple[URL, list[tuple[str, int | None]]]:
    """`url` with its first host, and every host of `mysql+pymysql://user:pw@h1:p1,h2:p2/db` in order."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, tail = rest.partition("/")
    auth, at, hostlist = netloc.rpartition("@")
    hosts = []
    for item in hostlist.split(","):
        item = item.strip()
        if item.startswith("["):  # [::1]:3306
            host, _, port = item[1:].partition("]")
            port = port.lstrip(":")
        else:
            host, _, port = item.partition(":")
        hosts.append((host, int(port) if port else None))
    first = f"{scheme}{sep}{auth}{at}{hostlist.split(',')[0].strip()}{slash}{tail}"
    return make_url(first), hosts


class NodeList:
    """The engine's `creator`: connects to the first listed node that answers and can serve.

    Nodes are tried in the order given (the first is the preferred one), except that a node that just
    failed is tried last for a few seconds. On a Galera node, a connection is only handed out when the node
    is part of the primary component (`wsrep_ready`), and it reads its own and others' committed writes
    (`wsrep_sync_wait`, 1 unless the URL's `wsrep_sync_wait` says otherwise): a client that wrote through
    one process and reads through another, on another node, sees its write.
    """

    SHUNNED_FOR = 5.0

    def __init__(self, base: URL, hosts: list[tuple[str, int | None]], sync_wait: int):
        self.base = base
        self.hosts = hosts
        self.sync_wait = sync_wait
        self.dialect = None
        self._failed_at: dict[int, float] = {}

    def _order(self) -> list[int]:
        now = time.monotonic()
        fresh = [i for i in range(len(self.hosts)) if now - self._failed_at.get(i, -1e9) > self.SHUNNED_FOR]
        return fresh + [i for i in range(len(self.hosts)) if i not in fresh]

    def connect(self):
        dbapi = self.dialect.loaded_dbapi
        last = None
        for i in self._order():
            host, port = self.hosts[i]
            cargs, cparams = self.dialect.create_connect_args(self.base.set(host=host, port=port))
            try:
                conn = dbapi.connect(*cargs, **cparams)
            except dbapi.Error as exc:
                self._failed_at[i], last = time.monotonic(), exc
                continue
            try:
                if self._ready(conn):
                    self._failed_at.pop(i, None)
                    return conn
                last = dbapi.OperationalError(1047, f"node {host}:{port} is not part of the primary component")
            except dbapi.Error as exc:
                last = exc
            self._failed_at[i] = time.monotonic()
            with contextlib.suppress(Exception):
                conn.close()
        raise last

    def _ready(self, conn) -> bool:
        with conn.cursor() as cur:
            try:
                cur.execute("SELECT @@wsrep_on")
            except self.dialect.loaded_dbapi.Error as exc:
                if exc.args and exc.args[0] == 1193:  # unknown variable: MySQL proper, no Galera
                    return True
                raise
            if not cur.fetchone()[0]:
                return True
            cur.execute("SHOW GLOBAL STATUS LIKE 'wsrep_ready'")
            row = cur.fetchone()
            if not row or str(row[1]).upper() != "ON":
                return False
            cur.execute("SET SESSION wsrep_sync_wait = %s", (self.sync_wait,))
        return True


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False, autoflush=False)
    event.listen(factory, "after_flush", _remember_an_insert)
    # The same engine, its transactions begun in each SQLite mode: a session bound to one begins with its
    # first statement in that mode (persistence.uow), not when it is opened.
    factory.begin_binds = {mode: engine.execution_options(**{BEGIN_OPTION: mode}) for mode in ("DEFERRED", "IMMEDIATE")}
    return factory


def _remember_an_insert(session: Session, _context) -> None:
    # One row this transaction inserts: when the connection is lost during COMMIT, looking it up on another
    # connection tells whether the transaction is in (persistence.uow). `new` still lists the flushed rows here.
    if "first_insert" not in session.info:
        for obj in session.new:
            session.info["first_insert"] = obj
            break
