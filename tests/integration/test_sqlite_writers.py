"""On SQLite, writers of several processes queue on a record lock of a file beside the database
(persistence.db): taken when a writing transaction begins, dropped when it ends, on a file each process
keeps open."""

import subprocess
import sys

from sqlalchemy import text

from personas.persistence.db import make_engine, make_session_factory
from personas.persistence.uow import UnitOfWork

# Another process, since record locks belong to a process: can it take the lock right now?
PROBE = """
import fcntl, sys
with open(sys.argv[1], "a") as f:
    try:
        fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print("held")
    else:
        print("free")
"""


def _lock_seen_from_another_process(path) -> str:
    probe = subprocess.run([sys.executable, "-c", PROBE, path], capture_output=True, text=True, check=True)
    return probe.stdout.strip()


def test_a_writing_unit_holds_the_lock_from_its_first_statement_to_its_end(tmp_path):
    database = tmp_path / "w.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    factory = make_session_factory(engine)
    lock = f"{database}.writer-lock"
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x INTEGER)"))
        for ending in ("commit", "rollback", "commit"):  # the same open file, again and again
            with UnitOfWork(factory) as uow:
                if ending != "rollback":
                    assert _lock_seen_from_another_process(lock) == "free"  # not begun yet
                uow.session.execute(text("INSERT INTO t VALUES (1)"))
                assert _lock_seen_from_another_process(lock) == "held"
                if ending == "commit":
                    uow.commit()
                    assert _lock_seen_from_another_process(lock) == "free"
            assert _lock_seen_from_another_process(lock) == "free"
        with UnitOfWork(factory, readonly=True) as uow:  # readers take no lock
            uow.session.execute(text("SELECT count(*) FROM t")).scalar_one()
            assert _lock_seen_from_another_process(lock) == "free"
    finally:
        engine.dispose()
