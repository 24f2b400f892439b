"""Pages that need no COUNT (one extra row tells whether a next page exists) and no OFFSET cliff.

A list is ordered by key columns, the last of them unique (`created_at DESC, id DESC`). Each page hands out
a cursor, the key of its last row; the next page starts right after that key (keyset), so it costs the same
at any depth and rows created meanwhile do not shift it. A page asked for by number alone still uses OFFSET,
but over the primary keys only (a covering index walk), loading the page's few rows afterwards.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_
from sqlalchemy.sql import operators

# The spec's limits for the `cursor` query parameter.
MAX_CURSOR = 200
CURSOR = re.compile(r"^[A-Za-z0-9_-]{4,200}$")
BIGINT = 2**63


class InvalidCursor(ValueError):
    """A cursor this list did not hand out (malformed, tampered, or from a list ordered otherwise)."""

    MESSAGE = "Cursor inválido / Invalid cursor"

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    has_next: bool
    next_cursor: str | None = None


def page_of(session, stmt, page: int, per_page: int, order: tuple, cursor: str | None = None) -> Page:
    """One page of `stmt` in `order` (ORM column expressions, `.desc()` allowed; the last one unique).

    With a cursor: the rows after it (keyset). Without: the `page`-th page, through an index-only OFFSET.
    """
    keys = [_key(term) for term in order]
    stmt = stmt.order_by(*order)
    if cursor is not None:
        rows = list(session.scalars(stmt.where(_after(keys, decode(cursor, keys))).limit(per_page + 1)))
    elif page > 1:
        # Deferred join: walk OFFSET rows over the covering index (keys only), then load just this page.
        unique = keys[-1][0]
        ids = list(session.scalars(stmt.with_only_columns(unique).offset((page - 1) * per_page).limit(per_page + 1)))
        rows = list(session.scalars(stmt.where(unique.in_(ids)))) if ids else []
    else:
        rows = list(session.scalars(stmt.limit(per_page + 1)))
    has_next = len(rows) > per_page
    items = rows[:per_page]
    token = encode([getattr(items[-1], column.key) for column, _ in keys]) if has_next else None
    return Page(items, int(page), per_page, has_next, token)


def _key(term) -> tuple:
    """(column, descending) of one ORDER BY term."""
    if getattr(term, "modifier", None) in (operators.desc_op, operators.asc_op):
        return term.element, term.modifier is operators.desc_op
    return getattr(term, "expression", term), False


def _after(keys: list, values: list):
    """Rows strictly after `values` in key order, written so SQLite and MariaDB both seek the index.

    (a, b) < (x, y) as `a <= x AND (a < x OR (a = x AND b < y))`: the leading range lets the index seek to
    the position instead of filtering every earlier row.
    """
    steps = []
    for i, (column, descending) in enumerate(keys):
        ties = [keys[j][0] == values[j] for j in range(i)]
        steps.append(and_(*ties, column < values[i] if descending else column > values[i]))
    first, descending = keys[0]
    bound = first <= values[0] if descending else first >= values[0]
    return and_(bound, or_(*steps)) if len(keys) > 1 else steps[0]


def encode(values: list) -> str:
    """The cursor of a row whose key is `values`: unpadded base64url of a JSON list."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return _b64(json.dumps(plain, separators=(",", ":")).encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(token: str, keys: list) -> list:
    """The key values of a cursor, each checked against its column's type; InvalidCursor otherwise."""
    if not isinstance(token, str) or not CURSOR.match(token):
        raise InvalidCursor()
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        plain = json.loads(raw.decode())
    except (binascii.Error, ValueError):
        raise InvalidCursor() from None
    # Only the exact token this module writes: no padding tricks, no alternative spellings of the same bytes.
    if _b64(raw) != token or not isinstance(plain, list) or len(plain) != len(keys):
        raise InvalidCursor()
    return [_typed(value, column) for value, (column, _) in zip(plain, keys, strict=True)]


def _typed(value, column):
    kind = column.type.python_type
    if kind is datetime and isinstance(value, str) and len(value) <= 32:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidCursor() from None
        if moment.tzinfo is None:
            return moment
    elif kind is int:
        if type(value) is int and -BIGINT <= value < BIGINT:
            return value
    elif kind is str and isinstance(value, str) and len(value) <= (column.type.length or 255):
        return value
    raise InvalidCursor()
