"""Credit bureau requests: a person's authorisation to pull a report from a credit bureau."""

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, TimestampMixin, UuidStr, new_id


class CreditBureauRequest(TimestampMixin, Base):
    __tablename__ = "credit_bureau_requests"
    __table_args__ = (
        Index("ix_credit_bureau_requests_created_at_id", "created_at", "id"),
        Index("ix_credit_bureau_requests_person_id_created_at_id", "person_id", "created_at", "id"),
    )
    __history__ = "credit_bureau_request"
    # The code is the person's authorisation to query the bureau: history says it changed, not what it is.
    __history_masked__ = ("verification_code",)

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    report_provider: Mapped[str | None] = mapped_column(String(16), nullable=True)
    report_type: Mapped[str | None] = mapped_column(String(16), nullable=True)
    verification_code: Mapped[str | None] = mapped_column(String(255), nullable=True)
    verification_contact: Mapped[str | None] = mapped_column(String(255), nullable=True)
    config: Mapped[dict | None] = mapped_column(Json, nullable=True)
