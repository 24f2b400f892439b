"""Files uploaded ahead of use (`POST /temporary-files`), deleted once assigned or after `expires_at`."""

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Timestamp, TimestampMixin, UuidStr, new_id


class TemporaryFile(TimestampMixin, Base):
    __tablename__ = "temporary_files"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    mime_type: Mapped[str] = mapped_column(String(255), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    storage_key: Mapped[str] = mapped_column(String(512), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, nullable=False, index=True)
