"""Address bodies: the spec has checked their shape; here they become column values and back."""

from datetime import UTC, datetime
from decimal import Decimal

from marshmallow import Schema, fields

from personas.domain.errors import Rule, Text
from personas.handlers.schemas import timestamp

OUT_OF_RANGE = Rule(
    "date_out_of_range",
    "Fecha fuera de rango: en UTC cae antes del año 1 o después del 9999",
    "Date out of range: its UTC time is before year 1 or after 9999",
)


class UtcDateTime(fields.Field):
    """An ISO-8601 date or date-time; a zone is converted to UTC, none means UTC; stored naive."""

    default_error_messages = {
        "invalid": Text("Fecha o fecha y hora inválida", "Not a valid date or date-time"),
        # 0001-01-01T00:00:00+01:00 is a valid date-time whose UTC instant falls before year 1.
        "range": OUT_OF_RANGE,
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(str(value).replace("z", "Z"))
        except ValueError as exc:
            raise self.make_error("invalid") from exc
        if moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(UTC).replace(tzinfo=None)
        except OverflowError as exc:
            raise self.make_error("range") from exc


class IsoTimestamp(fields.DateTime):
    """A client-given moment out as `YYYY-MM-DDTHH:MM:SSZ`, years zero-padded ("0001", where %Y gives "1")."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


class NumberText(fields.Field):
    """A stored number out as the text of its decimal digits (`-99.1206`, never `1e-05`): the seed types an
    address's `longitude` as a string."""

    def _serialize(self, value, attr, obj, **kwargs):
        # repr is the shortest text that reads back as the same float; Decimal spells it without exponent
        # and without a trailing ".0" (180.0 is "180").
        return None if value is None else format(Decimal(repr(float(value))).normalize(), "f")


class AddressIn(Schema):
    person_id = fields.String()
    street = fields.String()
    ext_num = fields.String()
    int_num = fields.String(allow_none=True)
    state = fields.String()
    city = fields.String(allow_none=True)
    municipality = fields.String()
    colony = fields.String()
    zip_code = fields.String()
    references = fields.String()
    # Either coordinate may come as a number or as the text of one (the spec's patterns): Float reads both.
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    ownership = fields.Boolean(allow_none=True)
    dwelling_age = fields.Integer(allow_none=True, strict=True)
    source = fields.String(allow_none=True)
    device_coordinates = fields.List(fields.Float(), allow_none=True)
    is_current_address = fields.Boolean(allow_none=True)
    verified_at = UtcDateTime(allow_none=True)
    metadata = fields.Dict(allow_none=True, attribute="details")


class AddressOut(Schema):
    id = fields.String()
    person_id = fields.String()
    street = fields.String()
    ext_num = fields.String()
    int_num = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    state_id = fields.Integer(allow_none=True)
    city = fields.String(allow_none=True)
    municipality = fields.String()
    colony = fields.String()
    zip_code = fields.String()
    references = fields.String()
    latitude = fields.Float(allow_none=True)
    longitude = NumberText(allow_none=True)
    source = fields.String(allow_none=True)
    ownership = fields.Boolean(allow_none=True)
    dwelling_age = fields.Integer(allow_none=True)
    device_coordinates = fields.Raw(allow_none=True)
    is_current_address = fields.Boolean(allow_none=True)
    verified_at = IsoTimestamp(allow_none=True)
    metadata = fields.Raw(allow_none=True, attribute="details")
    created_at = timestamp()
    updated_at = timestamp()


address_in = AddressIn()
address_out = AddressOut()
