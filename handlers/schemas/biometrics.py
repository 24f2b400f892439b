"""Biometric result bodies: `type` comes in by name and is stored as its integer."""

from marshmallow import Schema, fields

from personas.domain.biometrics import TYPES, type_code, type_name
from personas.domain.errors import Text
from personas.handlers.schemas import timestamp
from personas.handlers.schemas.addresses import IsoTimestamp, UtcDateTime


class TypeName(fields.Field):
    """LIVENESS ... FACE_MATCH_ID in, the integer of domain.biometrics.TYPES out."""

    default_error_messages = {"invalid": Text("Debe ser uno de: {}", "Must be one of: {}").format(", ".join(TYPES))}

    def _deserialize(self, value, attr, data, **kwargs):
        if value not in TYPES:
            raise self.make_error("invalid")
        return type_code(value)


class BiometricIn(Schema):
    person_id = fields.String()
    type = TypeName()
    facetec_id = fields.String(allow_none=True)
    execution_date = UtcDateTime(allow_none=True)
    metadata = fields.Dict(allow_none=True, attribute="details")


class BiometricOut(Schema):
    id = fields.String()
    person_id = fields.String()
    type = fields.Integer()
    typeName = fields.Function(lambda biometric: type_name(biometric.type))  # noqa: N815 - the seed's name
    facetec_id = fields.String(allow_none=True)
    execution_date = IsoTimestamp(allow_none=True)
    metadata = fields.Raw(allow_none=True, attribute="details")
    created_at = timestamp()
    updated_at = timestamp()


biometric_in = BiometricIn()
biometric_out = BiometricOut()
