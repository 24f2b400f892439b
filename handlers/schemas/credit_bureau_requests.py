"""Credit bureau request bodies."""

from marshmallow import EXCLUDE, Schema, fields

from personas.handlers.schemas import timestamp


class CreditBureauRequestIn(Schema):
    class Meta:
        # The seed's body carries `created_at` and `updated_at`; the spec accepts and ignores them.
        unknown = EXCLUDE

    person_id = fields.String(required=True)
    report_provider = fields.String(allow_none=True)
    report_type = fields.String(allow_none=True)
    verification_code = fields.String(allow_none=True)
    verification_contact = fields.String(allow_none=True)
    config = fields.Dict(allow_none=True)


class CreditBureauRequestOut(Schema):
    id = fields.String()
    person_id = fields.String()
    report_provider = fields.String(allow_none=True)
    report_type = fields.String(allow_none=True)
    verification_code = fields.String(allow_none=True)
    verification_contact = fields.String(allow_none=True)
    config = fields.Dict(allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()


request_in = CreditBureauRequestIn()
request_out = CreditBureauRequestOut()
