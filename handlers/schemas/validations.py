"""Validation bodies: the spec has checked their shape; here they become column values.

Responses are the domain's views (domain.validations.validation_view / result_view), which the pass
and fail events carry too, so the API and the events cannot drift apart.
"""

from marshmallow import Schema, fields


class ValidationCreate(Schema):
    name = fields.String(required=True)
    klass = fields.String(data_key="class", required=True)
    active = fields.Boolean(load_default=True)
    execution_type = fields.String(load_default="auto")
    allow_retry = fields.Boolean(load_default=True)
    config = fields.Raw(required=True)


class ValidationUpdate(Schema):
    name = fields.String()
    active = fields.Boolean()
    execution_type = fields.String()
    allow_retry = fields.Boolean()
    config = fields.Raw()


class RunValidations(Schema):
    validations = fields.List(fields.String(), load_default=None)


validation_create = ValidationCreate()
validation_update = ValidationUpdate()
run_validations = RunValidations()
