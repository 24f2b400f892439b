"""Financial data of people: `/financial-data`."""

from personas.domain import financial_data as financial
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.financial_data import financial_in, financial_out
from personas.persistence.models.financial_data import FinancialData


def list_financial_data(page=1, per_page=20, person_id=None, cursor=None):
    with unit_of_work() as uow:
        result = uow.records(FinancialData).page(page, per_page, cursor, person_id=person_id)
        return paginated(result, financial_out.dump(result.items, many=True))


def create_financial_data(body):
    data = financial_in.load(body)
    with unit_of_work() as uow:
        record = financial.create_financial_data(uow, uow.records(FinancialData), data, financial_out.dump)
        result = financial_out.dump(record)
        uow.commit()
    return envelope(result), 201


def get_financial_data(id):
    with unit_of_work() as uow:
        return envelope(financial_out.dump(financial.get_financial_data(uow, uow.records(FinancialData), id)))


def update_financial_data(id, body):
    changes = financial_in.load(body)
    with unit_of_work() as uow:
        record = financial.update_financial_data(uow, uow.records(FinancialData), id, changes, financial_out.dump)
        result = financial_out.dump(record)
        uow.commit()
    return envelope(result)


def delete_financial_data(id):
    with unit_of_work() as uow:
        financial.delete_financial_data(uow, uow.records(FinancialData), id, financial_out.dump)
        uow.commit()
    return envelope({"id": id})
