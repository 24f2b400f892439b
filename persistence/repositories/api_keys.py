"""API keys by digest."""

from sqlalchemy import bindparam, select

from persistence.models.api_keys import ApiKey

_ACTIVE = select(ApiKey.id, ApiKey.name).where(ApiKey.key_hash == bindparam("key_hash"), ApiKey.revoked_at.is_(None))


def active_key(session_factory, key_hash: str) -> tuple[str, str] | None:
    """(id, name) of the live key with that digest. Every request asks, so it skips the unit of work
    and ORM loading: one pooled connection, one cached Core statement, no write lock."""
    bind = session_factory.kw["bind"]
    with bind.connect() as conn:
        row = conn.execute(_ACTIVE, {"key_hash": key_hash}).first()
        conn.rollback()
    return None if row is None else (row[0], row[1])


class ApiKeyRepository:
    def __init__(self, session):
        self.session = session

    def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        return key

    def active_by_hash(self, key_hash: str) -> ApiKey | None:
        stmt = select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
        return self.session.scalars(stmt).first()

    def find(self, id_or_prefix: str) -> list[ApiKey]:
        stmt = select(ApiKey).where((ApiKey.id == id_or_prefix) | (ApiKey.prefix == id_or_prefix))
        return list(self.session.scalars(stmt))

    def all(self) -> list[ApiKey]:
        return list(self.session.scalars(select(ApiKey).order_by(ApiKey.created_at)))
