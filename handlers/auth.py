"""Bearer API keys: the spec's security scheme calls `check_api_key` with the presented token."""

import functools

from connexion import context

from personas.domain.api_keys import digest, parse_scopes
from personas.handlers.runtime import current
from personas.persistence.repositories.api_keys import active_key


@functools.lru_cache(maxsize=64)
def _scopes(stored: str | None) -> frozenset[str]:
    return parse_scopes(stored)


def check_api_key(token: str) -> dict | None:
    """Token info for a live key; None (a 403 for the client) for a wrong, revoked or expired one."""
    if not token or len(token) > 200:
        return None
    found = active_key(current().session_factory, digest(token))
    if found is None:
        return None
    key_id, name, scopes = found
    return {"sub": key_id, "id": key_id, "name": name, "scopes": _scopes(scopes)}


def granted(scope: str) -> bool:
    """Whether the request's key holds `scope`. Outside a request (the CLI, jobs) there is no key to limit."""
    try:
        info = context.context.get("token_info")
    except (LookupError, RuntimeError):
        return True
    return isinstance(info, dict) and scope in info.get("scopes", ())
