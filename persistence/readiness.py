"""The database half of a readiness probe: `SELECT 1`, with socket timeouts where the driver has them."""

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.pool import NullPool

from personas.persistence.db import make_engine

SOCKET_TIMEOUT = 2
# PyMySQL waits for an answer without limit by default: on a node that vanished without a reset the
# probe's thread would hang for the kernel's TCP retransmission time (minutes), and every probe until then
# would report the database down, even after it came back.
MYSQL_TIMEOUTS = ("connect_timeout", "read_timeout", "write_timeout")


def _with_timeouts(url: str) -> str:
    # Textual, since a Galera URL lists several hosts (`h1:p1,h2:p2`) that URL parsers refuse.
    missing = [f"{name}={SOCKET_TIMEOUT}" for name in MYSQL_TIMEOUTS if f"{name}=" not in url]
    if not missing:
        return url
    return url + ("&" if "?" in url else "?") + "&".join(missing)


def database_check(database_url: str, session_factory) -> Callable[[], None]:
    """A function that runs `SELECT 1` and raises when the database does not answer.

    On MySQL and MariaDB it opens a connection of its own each time (no pool to keep), through the same
    engine setup as the app's (every listed node), with short socket timeouts; elsewhere (SQLite: a local
    file) it uses the app's sessions.
    """
    if database_url.startswith("mysql"):
        engine = make_engine(_with_timeouts(database_url), poolclass=NullPool)

        def check() -> None:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        return check

    def check_with_sessions() -> None:
        with session_factory() as session:
            session.execute(text("SELECT 1"))

    return check_with_sessions
