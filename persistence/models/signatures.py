"""The local e-signature platform's documents and signers (the HTTP adapter keeps none of this)."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, Timestamp, TimestampMixin, UuidStr, new_id


class SignatureDocument(TimestampMixin, Base):
    __tablename__ = "signature_documents"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    template_id: Mapped[str | None] = mapped_column(UuidStr, nullable=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    send_email: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    autosigning: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    expires_in: Mapped[int | None] = mapped_column(Integer, nullable=True)
    from_file: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    last_generated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class Signer(TimestampMixin, Base):
    __tablename__ = "signers"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    document_id: Mapped[str] = mapped_column(ForeignKey("signature_documents.id"), index=True, nullable=False)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # A PBKDF2 hash of the signing password: the password itself is never stored or returned.
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    is_permanent: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    external_person_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    expires_in: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # The API's `metadata`: SQLAlchemy's declarative base reserves that attribute name.
    details: Mapped[dict | None] = mapped_column("metadata", Json, nullable=True)
    # [{id, template_element_id, document_element_id, filled_at, created_at, updated_at}], as registered.
    fillable_elements: Mapped[list | None] = mapped_column(Json, nullable=True)
