"""Contact data bodies, and the acknowledgement of a sent code."""

from marshmallow import Schema, fields

from personas.handlers.schemas import timestamp


class ContactDataIn(Schema):
    person_id = fields.String()
    email = fields.String()
    phone = fields.String()


class ContactDataOut(Schema):
    id = fields.String()
    person_id = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email_confirmation = fields.Boolean()
    sms_confirmation = fields.Boolean()
    created_at = timestamp()
    updated_at = timestamp()


class CodeSentOut(Schema):
    message = fields.String()
    channel = fields.String()
    contact_data_id = fields.String()
    expires_at = timestamp()
    metadata = fields.Dict(allow_none=True)


contact_in = ContactDataIn()
contact_out = ContactDataOut()
code_sent_out = CodeSentOut()
