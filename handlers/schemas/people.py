"""Person bodies: the spec has checked their shape; here strings become Python values."""

from datetime import date

from marshmallow import Schema, fields

from personas.domain.errors import Text
from personas.handlers.schemas import timestamp


class Birthdate(fields.Field):
    """`YYYY-MM-DD`, or the seed's `YYYY-MM-DDT00:00:00Z` form of the same day."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        try:
            return date.fromisoformat(str(value)[:10])
        except ValueError as exc:
            raise self.make_error("invalid") from exc

    default_error_messages = {"invalid": Text("Fecha inválida", "Not a valid date")}


class PersonIn(Schema):
    national_id = fields.String()
    name = fields.String()
    first_lastname = fields.String()
    second_lastname = fields.String()
    birthdate = Birthdate(allow_none=True)
    gender = fields.String(allow_none=True)
    tax_id = fields.String(allow_none=True)
    nationality_id = fields.Integer(allow_none=True, strict=True)
    state_id = fields.Integer(allow_none=True, strict=True)
    entity_of_birth = fields.String(allow_none=True)
    external_ref_id = fields.String(allow_none=True)
    facetec_ref_id = fields.String(allow_none=True)
    # Accepted for compatibility with the seed; the summary is computed from biometric results.
    biometrics = fields.Raw(allow_none=True, load_only=True)
    marital_status_id = fields.Integer(allow_none=True, strict=True)
    people_group_id = fields.String(allow_none=True)
    extra_data = fields.Dict(allow_none=True)
    ignore_curp_validation = fields.Boolean(load_default=False)


class HistoryOut(Schema):
    id = fields.String()
    resource_type = fields.String()
    resource_id = fields.String()
    action = fields.String()
    field = fields.String(allow_none=True)
    old_value = fields.Raw(allow_none=True)
    new_value = fields.Raw(allow_none=True)
    api_key = fields.Method("_api_key")
    created_at = timestamp()

    def _api_key(self, entry):
        return None if entry.api_key_id is None else {"id": entry.api_key_id, "name": entry.api_key_name}


person_in = PersonIn()
history_out = HistoryOut()


def load_person(body: dict) -> tuple[dict, bool]:
    """Fields to store, and whether CURP validation is skipped for this request."""
    data = person_in.load(body)
    data.pop("biometrics", None)
    return data, data.pop("ignore_curp_validation", False)
