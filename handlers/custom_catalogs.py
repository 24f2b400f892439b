"""Custom catalogs."""

from personas.domain import custom_catalogs as catalogs
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.custom_catalogs import catalog_detail, catalog_in, catalog_out


def list_custom_catalogs(page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.custom_catalogs.catalogs_page(page, per_page, cursor)
        return paginated(result, catalog_out.dump(result.items, many=True))


def create_custom_catalog(body):
    data = catalog_in.load(body)
    with unit_of_work() as uow:
        catalog = catalogs.create_catalog(uow, data)
        uow.commit()
        return envelope(catalog_out.dump(catalog)), 201


def get_custom_catalog(id):
    with unit_of_work() as uow:
        catalog = catalogs.get_catalog(uow, id)
        return envelope(catalog_detail(catalog, uow.custom_catalogs.values_of(catalog.id)))


def update_custom_catalog(id, body):
    data = catalog_in.load(body)
    with unit_of_work() as uow:
        catalog = catalogs.update_catalog(uow, id, data)
        uow.commit()
        return envelope(catalog_out.dump(catalog))
