"""Validations (what to check, per class and config) and their results on people and addresses."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, Timestamp, TimestampMixin, UuidStr, new_id


class Validation(TimestampMixin, Base):
    __tablename__ = "validations"
    __table_args__ = (Index("ix_validations_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    # `class` is a Python keyword: the attribute is `klass`, the column keeps the API's name.
    klass: Mapped[str] = mapped_column("class", String(32), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    config: Mapped[dict] = mapped_column(Json, nullable=False)
    execution_type: Mapped[str] = mapped_column(String(16), nullable=False, default="auto")
    allow_retry: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class ValidationResult(TimestampMixin, Base):
    __tablename__ = "validation_results"
    # Lists page by (created_at, id), filtered by the record or the validation.
    __table_args__ = (
        Index("ix_validation_results_model_id_created_at", "model_id", "created_at"),
        Index("ix_validation_results_created_at_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    model_type: Mapped[str] = mapped_column(String(32), nullable=False)
    model_id: Mapped[str] = mapped_column(UuidStr, nullable=False)
    validation_id: Mapped[str] = mapped_column(ForeignKey("validations.id"), index=True, nullable=False)
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    content: Mapped[dict | None] = mapped_column(Json, nullable=True)
    # `metadata` in the API and the column; SQLAlchemy's declarative base reserves the attribute name.
    outcome_metadata: Mapped[dict | None] = mapped_column("metadata", Json, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    retries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    executed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
