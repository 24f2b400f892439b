"""Fast seeding for the benchmarks: many people with unique valid CURPs, addresses, an API key.

Rows go in big batches, one transaction each (Core executemany on SQLite, LOAD DATA on MariaDB), not
through the domain: the benchmarks measure reads and single writes, not the loading; no history or
outbox rows are made. 1,000,000 people took 87 s on SQLite and 66 s on MariaDB on a busy 2-core box.

    python -m bench.seed URL N
"""

import random
import tempfile
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text
from stdnum.mx.curp import calc_check_digit

from personas.persistence.db import make_engine

BATCH = 50_000
FIRST_DAY = date(1950, 1, 1)
DAYS = (date(2000, 1, 1) - FIRST_DAY).days  # births 1950-1999: the CURP's homoclave is a digit
NAMES = ("Ana", "José", "María", "Luis", "Sofía", "Juan", "Lucía", "Pedro")
LASTNAMES = ("López", "Núñez", "Peña", "García", "Hernández", "Martínez", "Díaz", "Ramírez")
CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
# Offsets of the CURP index spaces: seeded people count up from 0, POST bodies from far above.
UNUSED_BASE = 2_000_000_000
MEXICAN = 144  # NATIONALITIES id of "MEX" (checked in _states)


def _states() -> list:
    from personas.domain.catalogs import NATIONALITIES, STATES

    assert NATIONALITIES[MEXICAN - 1].code == "MEX"
    return [state for state in STATES if state.code != "NE"]  # born in Mexico: the state is a catalog row


def curp_at(index: int, states=None) -> str:
    """The index-th CURP of a fixed enumeration (mixed radix over date, sex, state, letters): distinct
    indexes give distinct CURPs, so uniqueness needs no set of a million strings."""
    return _curp_parts(index, states or _states())[0]


def _curp_parts(index: int, states) -> tuple:
    """(CURP, birth date, sex H/M, state) of the index-th CURP."""
    index, day = divmod(index, DAYS)
    index, sex = divmod(index, 2)
    index, state = divmod(index, len(states))
    index, inner = divmod(index, len(CONSONANTS) ** 3)
    index, vowel = divmod(index, 5)
    first, third = divmod(index, len(CONSONANTS) ** 2)
    initials = CONSONANTS[first % 21] + "AEIOU"[vowel] + CONSONANTS[third // 21] + CONSONANTS[third % 21]
    # Two consonants after the vowel: none of RENAPO's forbidden words has that shape.
    letters = "".join(CONSONANTS[inner // 21**k % 21] for k in (2, 1, 0))
    born = FIRST_DAY + timedelta(days=day)
    body = f"{initials}{born:%y%m%d}{'HM'[sex]}{states[state].code}{letters}0"
    return body + calc_check_digit(body), born, "HM"[sex], states[state]


def unused_curps(n: int, seed: int) -> list[str]:
    """n valid CURPs that seed_people never gives, distinct for each seed (one seed per load run)."""
    states = _states()
    start = UNUSED_BASE + seed * 10_000_000
    return [curp_at(start + i, states) for i in range(n)]


def _engine(url: str):
    from personas.persistence.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    return engine


def _person_rows(start: int, stop: int, states, first_created: datetime, rng: random.Random):
    rows = []
    for i in range(start, stop):
        number, born, sex, state = _curp_parts(i, states)
        # Ids grow with i (random low bits): B-tree inserts at the end keep the load fast on InnoDB.
        person_id = str(uuid.UUID(int=(i << 96) | rng.getrandbits(96), version=4))
        # Increasing, one millisecond apart from 2020-01-01: a stable list order (import_export's export relies on it).
        created = first_created + timedelta(milliseconds=i)
        rows.append(
            {
                "id": person_id, "national_id": number, "active_national_id": number,
                "name": NAMES[i % 8], "first_lastname": LASTNAMES[i // 8 % 8], "second_lastname": LASTNAMES[i % 7],
                "birthdate": born, "gender": "MALE" if sex == "H" else "FEMALE",
                "state_id": state.id, "entity_of_birth": state.code, "nationality_id": MEXICAN,
                "created_at": created, "updated_at": created,
            }
        )  # fmt: skip
    return rows


def seed_people(url: str, n: int) -> list[str]:
    """Insert n people with unique valid CURPs (migrating first); their ids in creation order."""
    from personas.persistence.models.people import Person

    _engine(url).dispose()  # migrated
    mariadb = url.startswith("mysql")
    # In the URL, not connect_args: the MySQL engine connects through its own creator (Galera nodes).
    infile = url + ("&" if "?" in url else "?") + "local_infile=1"
    engine = make_engine(infile) if mariadb else make_engine(url)
    states, rng, ids = _states(), random.Random(11), []
    with engine.connect() as conn:
        if mariadb:
            # The rows are unique and their references exist by construction: skip the per-row checks.
            conn.execute(text("SET unique_checks=0, foreign_key_checks=0"))
            conn.commit()
        for start in range(0, n, BATCH):
            rows = _person_rows(start, min(n, start + BATCH), states, datetime(2020, 1, 1), rng)
            with conn.begin():
                if mariadb:
                    _load_data(conn, rows)
                else:
                    conn.execute(insert(Person.__table__), rows)
            ids += [row["id"] for row in rows]
    engine.dispose()
    return ids


def _load_data(conn, rows: list[dict]) -> None:
    """LOAD DATA LOCAL INFILE: about 3x faster than a multi-row INSERT through pymysql, whose
    escaping of every value in Python dominates."""
    columns = list(rows[0])
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", encoding="utf-8", newline="") as out:
        # No value holds a tab, newline or backslash: plain str() of each is the file format.
        out.writelines("\t".join(str(row[c]) for c in columns) + "\n" for row in rows)
        out.flush()
        conn.exec_driver_sql(
            f"LOAD DATA LOCAL INFILE '{out.name}' INTO TABLE people CHARACTER SET utf8mb4"
            f" FIELDS TERMINATED BY '\\t' LINES TERMINATED BY '\\n' ({', '.join(columns)})"
        )


def seed_addresses(url: str, person_id: str, n: int) -> None:
    """Give one person n addresses (for the filtered list)."""
    from personas.persistence.models.addresses import Address

    engine, now = _engine(url), datetime.now()
    rows = [
        {
            "id": str(uuid.uuid4()),
            "person_id": person_id,
            "street": "Av. Juárez",
            "ext_num": str(i + 1),
            "municipality": "Cuauhtémoc",
            "colony": "Centro",
            "zip_code": "06000",
            "references": "Frente al parque",
            "state": "DF",
            "state_id": 7,
            "created_at": now + timedelta(milliseconds=i),
            "updated_at": now,
        }  # fmt: skip
        for i in range(n)
    ]
    with engine.begin() as conn:
        conn.execute(insert(Address.__table__), rows)
    engine.dispose()


def count_people(url: str) -> int:
    from personas.persistence.models.people import Person

    engine = _engine(url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count()).select_from(Person.__table__))
    engine.dispose()
    return total


def make_api_key(url: str, name: str = "bench") -> str:
    """A live API key on that database (as `personas api-keys create` makes one)."""
    from personas.domain import api_keys
    from personas.persistence.db import make_session_factory
    from personas.persistence.models import ApiKey
    from personas.persistence.uow import UnitOfWork

    engine = _engine(url)
    key = api_keys.generate()
    with UnitOfWork(make_session_factory(engine)) as uow:
        uow.api_keys.add(ApiKey(name=name, prefix=api_keys.display_prefix(key), key_hash=api_keys.digest(key)))
        uow.commit()
    engine.dispose()
    return key


def seeded(ctx, db) -> tuple[str, list[str]]:
    """The seeded database of this backend for this run: made once, shared by request_path and lists."""
    cache = ctx.options.setdefault("seeded", {})
    if db.label not in cache:
        import time

        began = time.perf_counter()
        ids = seed_people(db.url, ctx.people)
        print(f"  seeded {len(ids):,} people on {db.label} in {time.perf_counter() - began:.0f} s", flush=True)
        cache[db.label] = (db.url, ids)
    return cache[db.label]


if __name__ == "__main__":
    import sys
    import time

    began = time.perf_counter()
    print(len(seed_people(sys.argv[1], int(sys.argv[2]))), f"{time.perf_counter() - began:.1f} s")
