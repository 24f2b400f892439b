"""An app of its own with a tight per-key rate limit."""

import contextlib

from personas.app import create_app
from personas.config import Settings
from tests.conftest import Client, make_key


@contextlib.contextmanager
def rate_limited_app(database_url, rate_limit="5/minute", redis_url=None, key=None):
    """Yields (client, key); pass `key` to share one API key between two apps."""
    app = create_app(
        Settings(
            database_url=database_url,
            secret_key="test-secret",
            rate_limit=rate_limit,
            redis_url=redis_url,
            allowed_hosts=("testserver",),
        )
    )
    state = app.container
    key = key or make_key(state.session_factory, name="rate-limited")[0]
    with app.test_client() as http:
        yield Client(http, key), key
    state.close()
