"""Bearer API keys: the spec's security scheme calls `check_api_key` with the presented token."""

from domain.api_keys import digest
from handlers.runtime import current
from persistence.uow import UnitOfWork


def check_api_key(token: str) -> dict | None:
    """Token info for a live key; None (a 403 for the client) for a wrong or revoked one."""
    if not token or len(token) > 200:
        return None
    with UnitOfWork(current().session_factory, readonly=True) as uow:
        key = uow.api_keys.active_by_hash(digest(token))
        if key is None:
            return None
        return {"sub": key.id, "id": key.id, "name": key.name}
