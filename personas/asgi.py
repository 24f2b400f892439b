"""ASGI entry for uvicorn workers; the parent `personas serve` has already migrated the database."""

from personas.app import create_app


def create():
    return create_app(migrate=False)
