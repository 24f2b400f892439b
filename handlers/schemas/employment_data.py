"""Employment data bodies: the spec has checked their shape; here they become Python values."""

from decimal import ROUND_HALF_UP

from marshmallow import Schema, fields

from personas.handlers.schemas import Digits, timestamp


def money(**kwargs) -> fields.Decimal:
    """An amount in, as an exact Decimal rounded to cents (the columns are NUMERIC(18, 2))."""
    return fields.Decimal(places=2, rounding=ROUND_HALF_UP, allow_none=True, **kwargs)


class EmploymentDataIn(Schema):
    person_id = fields.String()
    current_occupation = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    company_phone = Digits(allow_none=True)
    company_address = fields.String(allow_none=True)
    seniority = fields.Integer(allow_none=True, strict=True)
    employee_id = fields.String(allow_none=True)
    employee_type = fields.String(allow_none=True)
    employee_status = fields.String(allow_none=True)
    hiring_date = fields.Date(allow_none=True)
    termination_date = fields.Date(allow_none=True)
    payment_frequency = fields.String(allow_none=True)
    gross_salary = money()
    net_salary = money()


class EmploymentDataOut(Schema):
    id = fields.String()
    person_id = fields.String()
    current_occupation = fields.String(allow_none=True)
    position = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    company_name = fields.String(allow_none=True)
    company_phone = fields.String(allow_none=True)
    company_address = fields.String(allow_none=True)
    seniority = fields.Integer(allow_none=True)
    employee_id = fields.String(allow_none=True)
    employee_type = fields.String(allow_none=True)
    employee_status = fields.String(allow_none=True)
    hiring_date = fields.Date(allow_none=True)
    termination_date = fields.Date(allow_none=True)
    payment_frequency = fields.String(allow_none=True)
    gross_salary = fields.Float(allow_none=True)
    net_salary = fields.Float(allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()


employment_in = EmploymentDataIn()
employment_out = EmploymentDataOut()
