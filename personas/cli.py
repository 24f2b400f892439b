"""The `personas` command: serve, db upgrade, api-keys, worker."""

import os
import sys

import click

from domain import api_keys as keys
from persistence.db import make_engine, make_session_factory
from persistence.migrate import upgrade
from persistence import crypto
from persistence.models import ApiKey, Base
from persistence.models.base import utcnow
from persistence.uow import UnitOfWork
from personas.config import Settings


def _uow(settings: Settings) -> UnitOfWork:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return UnitOfWork(make_session_factory(engine))


@click.group()
def main():
    """personas: people management for identity verification (KYC) in Mexico."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes (one per core is best).")
def serve(host, port, workers):
    """Start the API under uvicorn (production ASGI server)."""
    import uvicorn

    settings = Settings.from_env()
    upgrade(make_engine(settings.database_url))
    # Every worker must sign and check with the same key.
    os.environ.setdefault("PERSONAS_SECRET_KEY", settings.secret_key)
    click.echo(f"personas: serving on http://{host}:{port}/api/v1 (docs: /api/v1/docs), database {_safe(settings)}")
    uvicorn.run(
        "personas.asgi:create",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
    )


def _safe(settings: Settings) -> str:
    """The database URL without its password, for logs."""
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
def db_upgrade():
    """Apply the migrations to the configured database."""
    settings = Settings.from_env()
    upgrade(make_engine(settings.database_url))
    click.echo(f"database {_safe(settings)} is up to date")


@db.command("rotate-keys")
def db_rotate_keys():
    """Re-encrypt data at rest with the first key of PERSONAS_ENCRYPTION_KEYS (list the old keys after it)."""
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    crypto.configure(settings)
    with make_session_factory(engine)() as session:
        count = crypto.rotate(session, Base.metadata)
        session.commit()
    click.echo(f"re-encrypted {count} values with the newest key")


@main.group("api-keys")
def api_keys():
    """API keys (stored hashed; the key is shown once, on creation)."""


@api_keys.command("create")
@click.option("--name", required=True, help="Who or what uses the key.")
def api_keys_create(name):
    key = keys.generate()
    with _uow(Settings.from_env()) as uow:
        record = uow.api_keys.add(ApiKey(name=name, prefix=keys.display_prefix(key), key_hash=keys.digest(key)))
        uow.commit()
        click.echo(f"created API key {record.id} ({name}); store it now, it is not shown again:")
    click.echo(key)


@api_keys.command("list")
def api_keys_list():
    with _uow(Settings.from_env()) as uow:
        for k in uow.api_keys.all():
            state = f"revoked {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "active"
            click.echo(f"{k.id}  {k.prefix}…  {k.name}  created {k.created_at:%Y-%m-%d %H:%M}  {state}")


@api_keys.command("revoke")
@click.argument("key_id")
def api_keys_revoke(key_id):
    """Revoke a key by its id or its displayed prefix."""
    with _uow(Settings.from_env()) as uow:
        found = uow.api_keys.find(key_id)
        if len(found) != 1:
            raise click.ClickException(f"no single key matches {key_id!r}")
        found[0].revoked_at = found[0].revoked_at or utcnow()
        uow.commit()
        click.echo(f"revoked {found[0].id} ({found[0].name})")


@main.command()
def worker():
    """Run background jobs from Redis (arrives with the events issue)."""
    click.echo("personas worker: not available yet; background jobs arrive with the events issue.", err=True)
    sys.exit(2)


if __name__ == "__main__":
    main()
