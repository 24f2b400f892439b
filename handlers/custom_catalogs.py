"""Custom catalogs."""

from personas.domain import custom_catalogs as catalogs
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.custom_catalogs import catalog_detail, catalog_in, catalog_out
from personas.persistence.repositories.custom_catalogs import CustomCatalogRepository


def list_custom_catalogs(page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.repository(CustomCatalogRepository).catalogs_page(page, per_page, cursor)
        return paginated(result, catalog_out.dump(result.items, many=True))


def create_custom_catalog(body):
    data = catalog_in.load(body)
    with unit_of_work() as uow:
        catalog = catalogs.create_catalog(uow, uow.repository(CustomCatalogRepository), data)
        uow.commit()
        return envelope(catalog_out.dump(catalog)), 201


def get_custom_catalog(id):
    with unit_of_work() as uow:
        store = uow.repository(CustomCatalogRepository)
        catalog = catalogs.get_catalog(store, id)
        return envelope(catalog_detail(catalog, store.values_of(catalog.id)))


def update_custom_catalog(id, body):
    data = catalog_in.load(body)
    with unit_of_work() as uow:
        catalog = catalogs.update_catalog(uow, uow.repository(CustomCatalogRepository), id, data)
        uow.commit()
        return envelope(catalog_out.dump(catalog))
