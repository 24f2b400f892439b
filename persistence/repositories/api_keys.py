"""API keys by digest."""

from sqlalchemy import bindparam, or_, select

from personas.persistence.db import BEGIN_OPTION
from personas.persistence.models.api_keys import ApiKey
from personas.persistence.models.base import utcnow

_ACTIVE = select(ApiKey.id, ApiKey.name, ApiKey.scopes).where(
    ApiKey.key_hash == bindparam("key_hash"),
    ApiKey.revoked_at.is_(None),
    or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > bindparam("now")),
)


def active_key(session_factory, key_hash: str) -> tuple[str, str, str | None] | None:
    """(id, name, scopes) of the live, unexpired key with that digest. Every request asks, so it skips the
    unit of work and ORM loading: one pooled connection, one cached Core statement, no write lock. Nothing
    is cached between requests, so a revocation or an expiry holds at once in every process."""
    bind = session_factory.kw["bind"]
    with bind.connect() as conn:
        conn.execution_options(**{BEGIN_OPTION: "NONE"})
        row = conn.execute(_ACTIVE, {"key_hash": key_hash, "now": utcnow()}).first()
        conn.rollback()
    return None if row is None else (row[0], row[1], row[2])


class ApiKeyRepository:
    def __init__(self, session):
        self.session = session

    def add(self, key: ApiKey) -> ApiKey:
        self.session.add(key)
        return key

    def find(self, id_or_prefix: str) -> list[ApiKey]:
        stmt = select(ApiKey).where((ApiKey.id == id_or_prefix) | (ApiKey.prefix == id_or_prefix))
        return list(self.session.scalars(stmt))

    def all(self) -> list[ApiKey]:
        return list(self.session.scalars(select(ApiKey).order_by(ApiKey.created_at)))
