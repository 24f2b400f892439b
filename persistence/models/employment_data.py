"""Employment data of a person (`/employment-data`)."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, TimestampMixin, UuidStr, new_id


class EmploymentData(TimestampMixin, Base):
    __tablename__ = "employment_data"
    __table_args__ = (
        Index("ix_employment_data_created_at_id", "created_at", "id"),
        Index("ix_employment_data_person_id_created_at_id", "person_id", "created_at", "id"),
    )
    __history__ = "person_employment_data"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    current_occupation: Mapped[str | None] = mapped_column(String(255), nullable=True)
    position: Mapped[str | None] = mapped_column(String(255), nullable=True)
    industry: Mapped[str | None] = mapped_column(String(255), nullable=True)
    company_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    company_phone: Mapped[str | None] = mapped_column(String(30), nullable=True)
    company_address: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    seniority: Mapped[int | None] = mapped_column(Integer, nullable=True)
    employee_id: Mapped[str | None] = mapped_column(UuidStr, nullable=True)
    employee_type: Mapped[str | None] = mapped_column(String(255), nullable=True)
    employee_status: Mapped[str | None] = mapped_column(String(255), nullable=True)
    hiring_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    termination_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    payment_frequency: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # Money is exact: NUMERIC(18, 2) holds up to 10^16 with cents (the spec caps amounts at 10^12).
    gross_salary: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    net_salary: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
