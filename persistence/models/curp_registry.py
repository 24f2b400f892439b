"""The CURP registry's local table: the records an operator loaded (`personas registry load`), read by
the local registry adapter (domain.providers.registry.LocalCurpRegistry) when no registry URL is set."""

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Timestamp, utcnow


class CurpRegistryEntry(Base):
    __tablename__ = "curp_registry"

    curp: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    first_lastname: Mapped[str] = mapped_column(String(255), nullable=False)
    second_lastname: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # H, M or X, as the CURP's eleventh character.
    sex: Mapped[str] = mapped_column(String(1), nullable=False)
    birthdate: Mapped[date] = mapped_column(Date, nullable=False)
    # The CURP's two-letter state code (NE: born abroad).
    birth_state: Mapped[str] = mapped_column(String(2), nullable=False)
    # active or inactive; status_detail says why a CURP is inactive (withdrawn, deceased, ...).
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    status_detail: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # When a load last carried this CURP, changed or not: how current the row is.
    loaded_at: Mapped[datetime] = mapped_column(Timestamp, nullable=False, default=utcnow)
