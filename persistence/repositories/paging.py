"""Pages that need no COUNT (one extra row tells whether a next page exists) and no OFFSET cliff.

A list is ordered by key columns, the last of them unique (`created_at DESC, id DESC`). Each page hands out
two cursors: the key of its last row, where the next page starts (right after it), and the key of its first
row, where the previous page ends (right before it). Either way the page is found by the key (keyset), so it
costs the same at any depth and rows created meanwhile do not shift it. A page asked for by number alone
still uses OFFSET, but over the primary keys only (a covering index walk), loading the page's few rows
afterwards.
"""

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.sql import operators

from personas.domain.errors import Text

# The spec's limits for the `cursor` query parameter.
MAX_CURSOR = 200
CURSOR = re.compile(r"^[A-Za-z0-9_-]{4,200}$")
BIGINT = 2**63


class InvalidCursor(ValueError):
    """A cursor this list did not hand out (malformed, tampered, or from a list ordered otherwise)."""

    MESSAGE = Text(
        "cursor: no es un cursor que esta lista haya dado; use el de next_page_url",
        "cursor: not a cursor this list handed out; use the one in next_page_url",
    )

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    has_next: bool
    next_cursor: str | None = None
    # The page number the previous page is shown as (None on the first page) and the cursor that finds it
    # (None when it goes by number: from the first page by number, or back from beyond the end).
    prev_page: int | None = None
    prev_cursor: str | None = None


_BUILT: dict[tuple, object] = {}


def _built(stmt, order: tuple, keys: list, per_page: int | None, after: bool):
    """`stmt` in `order` from the first row (`after` False) or after a bound key `key_0`, `key_1`...,
    limited to a page and its one extra row; with `per_page` None, the first key column of one row beyond
    the bound key the other way (whether rows lie before it). Built once per list, order and page size."""
    found = _BUILT.get((stmt, order, per_page, after))
    if found is None:
        marks = [bindparam(f"key_{i}", type_=column.type) for i, (column, _) in enumerate(keys)]
        if per_page is None:
            unique = keys[-1][0]
            found = stmt.with_only_columns(unique).where(_beyond(keys, marks, False)).limit(1)
        else:
            found = stmt.order_by(*order)
            found = (found.where(_beyond(keys, marks, True)) if after else found).limit(per_page + 1)
        _BUILT[(stmt, order, per_page, after)] = found
    return found


def _bound(values: list) -> dict:
    return {f"key_{i}": value for i, value in enumerate(values)}


def page_of(
    session,
    stmt,
    page: int,
    per_page: int,
    order: tuple,
    cursor: str | None = None,
    rows: bool = False,
    run=None,
) -> Page:
    """One page of `stmt` in `order` (ORM column expressions, `.desc()` allowed; the last one unique).
    The items are ORM objects, or with `rows` the read-only rows of a Core select (no identity map).

    With a cursor: the rows after it, or before it for a cursor of `prev_cursor` (keyset). Without: the
    `page`-th page, through an index-only OFFSET. An empty page past the first leads back, by number, to
    the list's last page, whatever number was asked for.

    `run(statement, params) -> rows with attributes`, for a `stmt` (and `order`) built once: the first
    page and the pages after a cursor, the busiest, then run statements built once per page size, the
    cursor's key bound (which `run` may have prepared), instead of statements built for each request.
    """
    page = int(page)
    fetch = (lambda query: session.execute(query).all()) if rows else (lambda query: list(session.scalars(query)))
    keys = [_key(term) for term in order]
    position, forward = decode(cursor, keys) if cursor is not None else (None, True)
    if run is not None and forward and (position is not None or page == 1):
        after = position is not None
        found = run(_built(stmt, order, keys, per_page, after), _bound(position) if after else {})
        items = found[:per_page]
        # Rows lie before a page after a cursor when the index finds one before its first row.
        if after and items:
            earlier = bool(run(_built(stmt, order, keys, None, False), _bound(_values(items[0], keys))))
        else:
            earlier = False
        return _page(session, stmt, page, per_page, keys, items, len(found) > per_page, earlier)
    if position is not None and not forward:
        # Walking back: the rows just before the position, read in reverse order, then put back in order.
        reverse = [column.asc() if descending else column.desc() for column, descending in keys]
        found = fetch(stmt.where(_beyond(keys, position, False)).order_by(*reverse).limit(per_page + 1))
        items = found[:per_page][::-1]
        earlier, later = len(found) > per_page, bool(items) and _exists(session, stmt, keys, items[-1], True)
    else:
        stmt_in_order = stmt.order_by(*order)
        if position is not None:
            found = fetch(stmt_in_order.where(_beyond(keys, position, True)).limit(per_page + 1))
        elif page > 1:
            # Deferred join: walk OFFSET rows over the covering index (keys only), then load just this page.
            unique = keys[-1][0]
            offset = (page - 1) * per_page
            ids = list(session.scalars(stmt_in_order.with_only_columns(unique).offset(offset).limit(per_page + 1)))
            found = fetch(stmt_in_order.where(unique.in_(ids))) if ids else []
        else:
            found = fetch(stmt_in_order.limit(per_page + 1))
        items = found[:per_page]
        later = len(found) > per_page
        # By number, rows lie before any page past the first that has rows; by cursor, the index tells.
        earlier = bool(items) and (_exists(session, stmt, keys, items[0], False) if position is not None else page > 1)
    return _page(session, stmt, page, per_page, keys, items, later, earlier)


def _page(session, stmt, page: int, per_page: int, keys: list, items: list, later: bool, earlier: bool) -> Page:
    result = Page(items, page, per_page, later)
    if later:
        result.next_cursor = encode(_values(items[-1], keys))
    if earlier:
        result.prev_page, result.prev_cursor = max(1, page - 1), encode(_values(items[0], keys), forward=False)
    elif not items and page > 1:
        result.prev_page = min(page - 1, last_page(session, stmt, per_page))
    return result


def last_page(session, stmt, per_page: int) -> int:
    """The number of the list's last page (1 for an empty list); a COUNT, so only for pages past the end."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    return max(1, math.ceil(total / per_page))


def _values(row, keys: list) -> list:
    return [getattr(row, column.key) for column, _ in keys]


def _exists(session, stmt, keys: list, row, forward: bool) -> bool:
    """Whether any row lies after (`forward`) or before `row` in key order: one index seek."""
    unique = keys[-1][0]
    beyond = stmt.with_only_columns(unique).order_by(None).where(_beyond(keys, _values(row, keys), forward))
    return session.scalars(beyond.limit(1)).first() is not None


def _key(term) -> tuple:
    """(column, descending) of one ORDER BY term."""
    if getattr(term, "modifier", None) in (operators.desc_op, operators.asc_op):
        return term.element, term.modifier is operators.desc_op
    return getattr(term, "expression", term), False


def _beyond(keys: list, values: list, forward: bool):
    """Rows strictly after (`forward`) or before `values` in key order, written so SQLite and MariaDB both
    seek the index.

    (a, b) < (x, y) as `a <= x AND (a < x OR (a = x AND b < y))`: the leading range lets the index seek to
    the position instead of filtering every earlier row.
    """
    steps = []
    for i, (column, descending) in enumerate(keys):
        ties = [keys[j][0] == values[j] for j in range(i)]
        smaller = descending == forward  # after, in a descending order, means smaller
        steps.append(and_(*ties, column < values[i] if smaller else column > values[i]))
    first, descending = keys[0]
    bound = first <= values[0] if descending == forward else first >= values[0]
    return and_(bound, or_(*steps)) if len(keys) > 1 else steps[0]


def encode(values: list, forward: bool = True) -> str:
    """The cursor of a row whose key is `values`: unpadded base64url of a JSON list (the rows after it), or
    of `{"before": list}` (the rows before it)."""
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return _b64(json.dumps(plain if forward else {"before": plain}, separators=(",", ":")).encode())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(token: str, keys: list) -> tuple[list, bool]:
    """The key values of a cursor, each checked against its column's type, and whether the cursor reads
    forward (the rows after it); InvalidCursor otherwise."""
    if not isinstance(token, str) or not CURSOR.match(token):
        raise InvalidCursor()
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        plain = json.loads(raw.decode())
    except (binascii.Error, ValueError):
        raise InvalidCursor() from None
    forward = not isinstance(plain, dict)
    if not forward:
        plain = plain.get("before") if list(plain) == ["before"] else None
    # Only the exact token this module writes: no padding tricks, no alternative spellings of the same bytes.
    if _b64(raw) != token or not isinstance(plain, list) or len(plain) != len(keys):
        raise InvalidCursor()
    return [_typed(value, column) for value, (column, _) in zip(plain, keys, strict=True)], forward


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
