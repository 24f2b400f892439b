"""System catalogs, loaded by migrations with fixed ids and served read-only."""

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base


class _Catalog:
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)


class State(_Catalog, Base):
    __tablename__ = "states"
    # Null for "NE" (born abroad), which no single country describes.
    country: Mapped[str | None] = mapped_column(String(255), nullable=True)


class Nationality(_Catalog, Base):
    __tablename__ = "nationalities"
    country: Mapped[str] = mapped_column(String(255), nullable=False)


class MaritalStatus(_Catalog, Base):
    __tablename__ = "marital_statuses"


class PersonRelation(_Catalog, Base):
    __tablename__ = "person_relations"
