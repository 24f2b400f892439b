"""How views write a moment: UTC to the second with a `Z`, as the seed's samples do."""

from datetime import datetime


def iso(value: datetime | None) -> str | None:
    # The year is zero-padded to four digits (RFC 3339 date-time); strftime's %Y writes year 293 as "293".
    return None if value is None else f"{value.year:04d}-{value:%m-%dT%H:%M:%S}Z"
