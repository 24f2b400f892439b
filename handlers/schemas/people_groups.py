"""People group bodies."""

from marshmallow import Schema, fields

from personas.handlers.schemas import timestamp


class PeopleGroupIn(Schema):
    name = fields.String()
    description = fields.String()


class PeopleGroupOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()


group_in = PeopleGroupIn()
group_out = PeopleGroupOut()
