"""Groups that people may belong to."""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, TimestampMixin, UuidStr, new_id


class PeopleGroup(TimestampMixin, Base):
    __tablename__ = "people_groups"
    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
