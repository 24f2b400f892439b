"""Offset pages that need no COUNT: one extra row tells whether a next page exists."""

from dataclasses import dataclass


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    has_next: bool


def page_of(session, stmt, page: int, per_page: int) -> Page:
    rows = list(session.scalars(stmt.offset((page - 1) * per_page).limit(per_page + 1)))
    return Page(rows[:per_page], page, per_page, len(rows) > per_page)
