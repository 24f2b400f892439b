"""Bank data bodies. The card number goes out masked and `metadata` is the CLABE's description."""

from marshmallow import Schema, fields

from personas.domain.bank_data import describe_clabe, mask_card
from personas.handlers.schemas import Digits, timestamp

CLABE_DIGITS = 18


class BankDataIn(Schema):
    person_id = fields.String()
    bank = fields.String()
    account = Digits()
    clabe = Digits(width=CLABE_DIGITS)
    card_number = Digits(allow_none=True)


class BankDataOut(Schema):
    id = fields.String()
    person_id = fields.String()
    bank = fields.String()
    account = fields.String()
    clabe = fields.String()
    card_number = fields.Function(lambda record: mask_card(record.card_number))
    metadata = fields.Function(lambda record: describe_clabe(record.clabe))
    validated_at = timestamp(allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()


bank_in = BankDataIn()
bank_out = BankDataOut()
