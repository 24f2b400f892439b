"""Keys with chosen scopes and expiry, and clients that send them."""

from datetime import timedelta

import pytest

from personas.domain import api_keys
from personas.persistence.models import ApiKey
from personas.persistence.models.base import utcnow
from personas.persistence.uow import UnitOfWork
from tests.conftest import Client


def add_key(session_factory, scopes: str | None = None, expires_in: timedelta | None = None, name="security"):
    """A stored key (scopes as the CLI takes them; None grants all); returns (key, id)."""
    key = api_keys.generate()
    stored = None if scopes is None else api_keys.format_scopes(api_keys.parse_scopes(scopes))
    with UnitOfWork(session_factory) as uow:
        record = uow.api_keys.add(
            ApiKey(
                name=name,
                prefix=api_keys.display_prefix(key),
                key_hash=api_keys.digest(key),
                scopes=stored,
                expires_at=utcnow() + expires_in if expires_in is not None else None,
            )
        )
        uow.commit()
        return key, record.id


@pytest.fixture(scope="session")
def client_with(http, session_factory):
    """`client_with("read,write")`: a client whose key holds exactly those scopes."""
    made = {}

    def make(scopes: str | None = None) -> Client:
        if scopes not in made:
            made[scopes] = Client(http, add_key(session_factory, scopes)[0])
        return made[scopes]

    return make
