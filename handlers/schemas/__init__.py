"""Marshmallow schemas that load request bodies into Python values and dump responses."""

from marshmallow import fields

# Timestamps go out as ISO-8601 UTC with a Z, as the seed shows them.
Timestamp = fields.DateTime(format="%Y-%m-%dT%H:%M:%SZ")


def timestamp(**kwargs) -> fields.DateTime:
    return fields.DateTime(format="%Y-%m-%dT%H:%M:%SZ", **kwargs)
