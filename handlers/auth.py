"""Bearer API keys: the spec's security scheme calls `check_api_key` with the presented token."""

from domain.api_keys import digest
from handlers.runtime import current
from persistence.repositories.api_keys import active_key


def check_api_key(token: str) -> dict | None:
    """Token info for a live key; None (a 403 for the client) for a wrong or revoked one."""
    if not token or len(token) > 200:
        return None
    found = active_key(current().session_factory, digest(token))
    if found is None:
        return None
    key_id, name = found
    return {"sub": key_id, "id": key_id, "name": name}
