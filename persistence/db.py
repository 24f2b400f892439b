"""Engine and session factory, built from configuration by the caller (never at import time)."""

import contextlib
import fcntl
import logging
import os
import threading

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

BEGIN_OPTION = "sqlite_begin"
"""Execution option naming SQLite's BEGIN mode of a transaction: DEFERRED (default) or IMMEDIATE."""


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
        writers = {"lock": threading.Lock()}
        os.register_at_fork(after_in_child=lambda: writers.update(lock=threading.Lock()))
        lock_path = f"{database}.writer-lock" if database and database != ":memory:" else None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
            if mode == "IMMEDIATE":
                conn.info["holds_writer"] = writer = writers["lock"]
                writer.acquire()
                if lock_path:
                    conn.info["writer_file"] = lock_file = _private_file(lock_path)  # held until the end
                    fcntl.lockf(lock_file, fcntl.LOCK_EX)
            try:
                conn.exec_driver_sql(f"BEGIN {mode}")
            except BaseException:
                _release(conn)
                raise

        def _release(conn, *_args):
            lock_file = conn.info.pop("writer_file", None)
            if lock_file is not None:
                lock_file.close()  # closing drops the record lock
            writer = conn.info.pop("holds_writer", None)
            if writer is not None:
                writer.release()

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)

        return engine
    if url.startswith("mysql"):
        sep = "&" if "?" in url else "?"
        if "charset=" not in url:
            url = f"{url}{sep}charset=utf8mb4"
        return create_engine(url, pool_pre_ping=True, pool_recycle=3600, **_private_params(kwargs))
    return create_engine(url, pool_pre_ping=True, **_private_params(kwargs))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=False)
