"""Validations: what to check (class and config), whether it runs by itself, and whether it may retry."""

from personas.domain import validations
from personas.domain.validations import validation_view
from personas.handlers.envelope import envelope, paginated
from personas.handlers.outbound_urls import config_urls, url_policy
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.validations import validation_create, validation_update


def list_validations(page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.validations.validations_page(page, per_page, cursor)
        return paginated(result, [validation_view(v) for v in result.items])


def create_validation(body):
    data = validation_create.load(body)
    urls = url_policy(*config_urls(data))
    with unit_of_work() as uow:
        validation = validations.create_validation(uow, data, urls)
        uow.commit()
        return envelope(validation_view(validation)), 201


def get_validation(id):
    with unit_of_work() as uow:
        return envelope(validation_view(validations.get_validation(uow, id)))


def update_validation(id, body):
    changes = validation_update.load(body)
    urls = url_policy(*config_urls(changes))
    with unit_of_work() as uow:
        validation = validations.update_validation(uow, id, changes, urls)
        uow.commit()
        return envelope(validation_view(validation))
