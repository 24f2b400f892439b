"""How views write a moment: UTC to the second with a `Z`, as the seed's samples do."""

from datetime import datetime


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # stored moments: naive UTC; isoformat pads the year to four digits (RFC 3339)
        return value.isoformat(timespec="seconds") + "Z"
    # strftime's %Y writes year 293 as "293": the year is padded here.
    return f"{value.year:04d}-{value:%m-%dT%H:%M:%S}Z"
