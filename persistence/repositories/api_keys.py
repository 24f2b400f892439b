"""API keys by digest."""

from sqlalchemy import select

from persistence.models.api_keys import ApiKey


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
