"""Marshmallow schemas that load request bodies into Python values and dump responses."""

from marshmallow import fields

# Timestamps go out as ISO-8601 UTC with a Z, as the seed shows them.
Timestamp = fields.DateTime(format="%Y-%m-%dT%H:%M:%SZ")


def timestamp(**kwargs) -> fields.DateTime:
    return fields.DateTime(format="%Y-%m-%dT%H:%M:%SZ", **kwargs)


class Digits(fields.Field):
    """A string of digits, sent as text or as a JSON integer (the seed's samples send phone, account and card
    numbers as numbers): an integer becomes the text of its digits. A JSON number has no leading zeros, so
    with `width` (a number that always has that many digits, such as a CLABE) it is padded back to it.
    The spec has bounded both forms; a boolean is not a number here, though Python counts it as one."""

    default_error_messages = {"invalid": "Texto o número entero / Text or a whole number."}

    def __init__(self, width: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.width = width

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return str(value).zfill(self.width or 0)
