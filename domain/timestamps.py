"""How views write a moment: UTC to the second with a `Z`, as the seed's samples do."""

from datetime import datetime


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")
