"""Financial data of a person (`/financial-data`)."""

from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Integer, Numeric
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, TimestampMixin, UuidStr, new_id


class FinancialData(TimestampMixin, Base):
    __tablename__ = "financial_data"
    __table_args__ = (
        Index("ix_financial_data_created_at_id", "created_at", "id"),
        Index("ix_financial_data_person_id_created_at_id", "person_id", "created_at", "id"),
    )
    __history__ = "person_financial_data"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    monthly_income: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    monthly_expenses: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    dependents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The column is `metadata`; the attribute cannot be, since declarative classes reserve that name.
    # The API's `metadata`: SQLAlchemy's declarative base reserves that attribute name.
    details: Mapped[dict | None] = mapped_column("metadata", Json, nullable=True)
