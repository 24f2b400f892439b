"""API keys by digest."""

from sqlalchemy import bindparam, or_, select

from personas.persistence.models.api_keys import ApiKey
from personas.persistence.models.base import utcnow
from personas.persistence.prepared import Prepared

_ACTIVE = select(ApiKey.id, ApiKey.name, ApiKey.scopes).where(
    ApiKey.key_hash == bindparam("key_hash"),
    ApiKey.revoked_at.is_(None),
    or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > bindparam("now")),
)
_ACTIVE_RUN = Prepared(_ACTIVE)


def active_key(session_factory, key_hash: str) -> tuple[str, str, str | None] | None:
    """(id, name, scopes) of the live, unexpired key with that digest. Every request asks, so it skips the
    unit of work and SQLAlchemy's execution: one pooled connection, one prepared statement, no transaction
    begun, no write lock. Nothing is cached between requests, so a revocation or an expiry holds at once
    in every process."""
    rows = _ACTIVE_RUN.raw_rows(session_factory.kw["bind"], {"key_hash": key_hash, "now": utcnow()})
    return tuple(rows[0]) if rows else None


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
