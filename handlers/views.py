"""The published representation of each kind of record, which events carry as their payload.

The domain asks for it through its `Views` port (`uow.view(kind, record)`); the marshmallow schemas that
shape the API's answers stay here, and the composition root hands `view` to every unit of work.
"""

from personas.handlers.schemas.addresses import address_out
from personas.handlers.schemas.bank_data import bank_out
from personas.handlers.schemas.biometrics import biometric_out
from personas.handlers.schemas.contact_data import contact_out
from personas.handlers.schemas.employment_data import employment_out
from personas.handlers.schemas.financial_data import financial_out
from personas.handlers.schemas.references import reference_out

DUMPS = {
    "address": address_out.dump,
    "bank_data": bank_out.dump,
    "biometric": biometric_out.dump,
    "contact_data": contact_out.dump,
    "employment_data": employment_out.dump,
    "financial_data": financial_out.dump,
    "reference": reference_out.dump,
}


def view(kind: str, record) -> dict:
    return DUMPS[kind](record)
