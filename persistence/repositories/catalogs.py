"""Read-only access to the system catalogs."""

from sqlalchemy import select

from personas.persistence.models.catalogs import MaritalStatus, Nationality, PersonRelation, State

MODELS = {
    "states": State,
    "nationalities": Nationality,
    "marital_statuses": MaritalStatus,
    "person_relations": PersonRelation,
}


class CatalogRepository:
    def __init__(self, session):
        self.session = session

    def all(self, catalog: str) -> list:
        model = MODELS[catalog]
        return list(self.session.scalars(select(model).order_by(model.id)))

    def get(self, catalog: str, item_id: int):
        return self.session.get(MODELS[catalog], item_id)
