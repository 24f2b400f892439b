"""System catalogs, read-only and small: served whole."""

from personas.handlers.envelope import envelope
from personas.handlers.runtime import unit_of_work


def _catalog(name: str, with_country: bool) -> dict:
    out = []
    with unit_of_work() as uow:
        for row in uow.catalogs.all(name):
            item = {"id": row.id, "code": row.code, "name": row.name, "created_at": None, "updated_at": None}
            if with_country:
                item["country"] = row.country
            out.append(item)
    return envelope(out)


def list_states():
    return _catalog("states", True)


def list_nationalities():
    return _catalog("nationalities", True)


def list_marital_statuses():
    return _catalog("marital_statuses", False)


def list_person_relations():
    return _catalog("person_relations", False)
