"""Personal reference bodies, and the `person_relation` the responses embed."""

from marshmallow import Schema, fields

from personas.domain.references import relation_view
from personas.handlers.schemas import timestamp


class ReferenceIn(Schema):
    person_id = fields.String()
    name = fields.String()
    phone = fields.String()
    person_relation_id = fields.Integer(strict=True)


class ReferenceOut(Schema):
    id = fields.String()
    person_id = fields.String()
    name = fields.String()
    phone = fields.String()
    person_relation_id = fields.Integer()
    person_relation = fields.Function(lambda reference: relation_view(reference.person_relation_id))
    created_at = timestamp()
    updated_at = timestamp()


reference_in = ReferenceIn()
reference_out = ReferenceOut()
