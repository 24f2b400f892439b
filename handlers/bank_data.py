"""Bank data of people: `/bank-data`. Account, CLABE and card number are encrypted at rest."""

from personas.domain import bank_data as banking
from personas.handlers.auth import granted
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.bank_data import bank_in, bank_out
from personas.persistence.models.bank_data import BankData


def _records(uow):
    return uow.records(BankData)


def _view(record) -> dict:
    """Account and CLABE in full only for a key with the `sensitive` scope."""
    view = bank_out.dump(record)
    return view if granted("sensitive") else banking.masked_view(view)


def list_bank_data(page=1, per_page=20, person_id=None, cursor=None):
    with unit_of_work() as uow:
        result = _records(uow).page(page, per_page, cursor, person_id=person_id)
        return paginated(result, [_view(record) for record in result.items])


def create_bank_data(body):
    data = bank_in.load(body)
    with unit_of_work() as uow:
        record = banking.create_bank_data(uow, _records(uow), data, bank_out.dump)
        result = _view(record)
        uow.commit()
    return envelope(result), 201


def get_bank_data(id):
    with unit_of_work() as uow:
        return envelope(_view(banking.get_bank_data(uow, _records(uow), id)))


def update_bank_data(id, body):
    changes = bank_in.load(body)
    with unit_of_work() as uow:
        record = banking.update_bank_data(uow, _records(uow), id, changes, bank_out.dump)
        result = _view(record)
        uow.commit()
    return envelope(result)


def delete_bank_data(id):
    with unit_of_work() as uow:
        banking.delete_bank_data(uow, _records(uow), id, bank_out.dump)
        uow.commit()
    return envelope({"id": id})
