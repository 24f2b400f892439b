"""Employment data of people: `/employment-data`."""

from personas.domain import employment_data as employment
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.employment_data import employment_in, employment_out
from personas.persistence.models.employment_data import EmploymentData


def list_employment_data(page=1, per_page=20, person_id=None, cursor=None):
    with unit_of_work() as uow:
        result = uow.records(EmploymentData).page(page, per_page, cursor, person_id=person_id)
        return paginated(result, employment_out.dump(result.items, many=True))


def create_employment_data(body):
    data = employment_in.load(body)
    with unit_of_work() as uow:
        record = employment.create_employment_data(uow, uow.records(EmploymentData), data, employment_out.dump)
        result = employment_out.dump(record)
        uow.commit()
    return envelope(result), 201


def get_employment_data(id):
    with unit_of_work() as uow:
        return envelope(employment_out.dump(employment.get_employment_data(uow, uow.records(EmploymentData), id)))


def update_employment_data(id, body):
    changes = employment_in.load(body)
    with unit_of_work() as uow:
        record = employment.update_employment_data(uow, uow.records(EmploymentData), id, changes, employment_out.dump)
        result = employment_out.dump(record)
        uow.commit()
    return envelope(result)


def delete_employment_data(id):
    with unit_of_work() as uow:
        employment.delete_employment_data(uow, uow.records(EmploymentData), id, employment_out.dump)
        uow.commit()
    return envelope({"id": id})
