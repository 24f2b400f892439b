"""Bank data of people: `/bank-data`. Account, CLABE and card number are encrypted at rest."""

from personas.domain import bank_data as banking
from personas.handlers.auth import granted
from personas.handlers.records import operations
from personas.handlers.schemas.bank_data import bank_in, bank_out


def _view(record) -> dict:
    """Account and CLABE in full only for a key with the `sensitive` scope."""
    view = bank_out.dump(record)
    return view if granted("sensitive") else banking.masked_view(view)


(
    list_bank_data,
    create_bank_data,
    get_bank_data,
    update_bank_data,
    delete_bank_data,
) = operations(banking.KIND, bank_in.load, _view, created=200)
