"""Alembic migrations, shipped inside the package and located with importlib.resources."""
