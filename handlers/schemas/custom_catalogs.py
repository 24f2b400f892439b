"""Custom catalog and catalog value bodies; the spec has checked their shape, the domain checks `value`."""

from marshmallow import Schema, fields

from personas.handlers.schemas import timestamp


class CustomCatalogIn(Schema):
    name = fields.String()
    description = fields.String(allow_none=True)


class CustomCatalogOut(Schema):
    id = fields.String()
    name = fields.String()
    description = fields.String(allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()


class CustomCatalogValueIn(Schema):
    custom_catalog_id = fields.String()
    label = fields.String()
    type = fields.String()
    # Any of six shapes, judged against `type` by domain.custom_catalogs.check_value.
    value = fields.Raw()
    groups = fields.List(fields.String())


class CustomCatalogValueOut(Schema):
    id = fields.String()
    custom_catalog_id = fields.String()
    label = fields.String()
    type = fields.String()
    value = fields.Raw()
    groups = fields.Function(lambda record: list(record.groups or []))
    created_at = timestamp()
    updated_at = timestamp()


catalog_in = CustomCatalogIn()
catalog_out = CustomCatalogOut()
value_in = CustomCatalogValueIn()
value_out = CustomCatalogValueOut()


def catalog_detail(catalog, values: list) -> dict:
    """The catalog with its values, as `GET /custom-catalogs/{id}` returns it."""
    return catalog_out.dump(catalog) | {"values": value_out.dump(values, many=True)}
