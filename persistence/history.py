"""Records every create, update, delete and restore of tracked models, in the same flush.

A model opts in with `__history__ = "<resource type>"`; child records of a person carry a
`person_id` column. Sensitive columns listed in `__history_masked__` are stored masked.
"""

import functools
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from personas.persistence.models.base import new_id
from personas.persistence.models.history import HistoryEntry

SKIPPED = {"created_at", "updated_at", "active_national_id", "deleted_at"}


def install(factory: sessionmaker[Session]) -> None:
    event.listen(factory, "before_flush", _before_flush)


# Attributes that clients know by another name: `metadata` is reserved by SQLAlchemy's declarative base.
CLIENT_NAMES = {"details": "metadata"}


def _name(key: str) -> str:
    return CLIENT_NAMES.get(key, key)


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _value(obj, key, value):
    if key in getattr(obj, "__history_masked__", ()):
        return None if value is None else "***"
    return _jsonable(value)


@functools.cache
def _recorded_keys(model) -> tuple[str, ...]:
    return tuple(c.key for c in inspect(model).column_attrs if c.key not in SKIPPED)


def snapshot(model, values) -> dict:
    """The `new_value` of a `create` entry for a record of `model` with these column values (a mapping, or
    the record itself); bulk inserts that bypass the flush listener write the same."""
    get = values.__getitem__ if isinstance(values, dict) else lambda key: getattr(values, key)
    return {_name(k): _value(model, k, get(k)) for k in _recorded_keys(model)}


def _snapshot(obj) -> dict:
    return snapshot(type(obj), obj)


def _entry(session, obj, action, field=None, old=None, new=None) -> None:
    actor = session.info.get("actor") or {}
    kind = obj.__history__
    session.add(
        HistoryEntry(
            id=new_id(),
            person_id=obj.id if kind == "person" else getattr(obj, "person_id", None),
            resource_type=kind,
            resource_id=str(obj.id),
            action=action,
            field=field,
            old_value=old,
            new_value=new,
            api_key_id=actor.get("id"),
            api_key_name=actor.get("name"),
        )
    )


def _before_flush(session: Session, _ctx, _instances) -> None:
    for obj in list(session.new):
        if hasattr(obj, "__history__"):
            if obj.id is None:
                obj.id = new_id()
            _entry(session, obj, "create", new=_snapshot(obj))
    for obj in list(session.dirty):
        if hasattr(obj, "__history__") and session.is_modified(obj, include_collections=False):
            _record_update(session, obj)
    for obj in list(session.deleted):
        if hasattr(obj, "__history__"):
            _entry(session, obj, "delete", old=_snapshot(obj))


def _record_update(session: Session, obj) -> None:
    state = inspect(obj)
    deleted = state.attrs.get("deleted_at") if "deleted_at" in state.mapper.column_attrs else None
    if deleted is not None and deleted.history.has_changes():
        was, now = deleted.history.deleted, deleted.history.added
        if now and now[0] is not None and (not was or was[0] is None):
            _entry(session, obj, "delete")
        elif was and was[0] is not None and (not now or now[0] is None):
            _entry(session, obj, "restore")
    for attr in state.mapper.column_attrs:
        if attr.key in SKIPPED:
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old == new:
            continue
        _entry(session, obj, "update", _name(attr.key), _value(obj, attr.key, old), _value(obj, attr.key, new))
