"""Financial data bodies. `metadata` is the record's `details` (SQLAlchemy reserves the name `metadata`)."""

from marshmallow import Schema, fields

from personas.handlers.schemas import timestamp
from personas.handlers.schemas.employment_data import money


class FinancialDataIn(Schema):
    person_id = fields.String()
    monthly_income = money()
    monthly_expenses = money()
    dependents = fields.Integer(allow_none=True, strict=True)
    metadata = fields.Dict(allow_none=True)


class FinancialDataOut(Schema):
    id = fields.String()
    person_id = fields.String()
    monthly_income = fields.Float(allow_none=True)
    monthly_expenses = fields.Float(allow_none=True)
    dependents = fields.Integer(allow_none=True)
    metadata = fields.Dict(attribute="details", allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()


financial_in = FinancialDataIn()
financial_out = FinancialDataOut()
