"""Dynamic property and dynamic value bodies; the rule engine (domain.dynamic_rules) judges the contents."""

from marshmallow import Schema, fields

from personas.handlers.schemas import timestamp


class DescriptorFieldIn(Schema):
    key = fields.String()
    title = fields.String()
    type = fields.String()
    filter_group = fields.String(allow_none=True)
    rules = fields.List(fields.String())
    catalog_id = fields.String(allow_none=True)


class DynamicPropertyIn(Schema):
    name = fields.String()
    description = fields.String(allow_none=True)
    descriptor = fields.List(fields.Nested(DescriptorFieldIn))


class DynamicPropertyOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    key = fields.String()
    # Stored normalised: title, type, key, filter_group, rules, catalog_id.
    descriptor = fields.Raw()
    created_at = timestamp()
    updated_at = timestamp()


class DynamicValuesIn(Schema):
    person_id = fields.String()
    dynamic_property_id = fields.String()
    values = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True))


class DynamicValueOut(Schema):
    id = fields.String()
    person_id = fields.String()
    dynamic_property_id = fields.String()
    values = fields.Raw()
    version = fields.Integer()
    dynamic_descriptor = fields.Nested(DynamicPropertyOut, attribute="dynamic_property")
    created_at = timestamp()
    updated_at = timestamp()


property_in = DynamicPropertyIn()
property_out = DynamicPropertyOut()
values_in = DynamicValuesIn()
value_out = DynamicValueOut()
