"""Notification channel and delivery bodies."""

from marshmallow import Schema, fields

from personas.handlers.schemas import timestamp


class ChannelIn(Schema):
    name = fields.String()
    type = fields.String()
    active = fields.Boolean()
    events = fields.List(fields.String())
    config = fields.Dict()


class ChannelOut(Schema):
    id = fields.String()
    name = fields.String()
    type = fields.String()
    active = fields.Boolean()
    events = fields.List(fields.String())
    config = fields.Dict()
    created_at = timestamp()
    updated_at = timestamp()


class DeliveryOut(Schema):
    id = fields.String()
    event_id = fields.String()
    event = fields.Function(lambda delivery: delivery.event.name)
    status = fields.String()
    attempts = fields.Integer()
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    next_attempt_at = timestamp(allow_none=True)
    delivered_at = timestamp(allow_none=True)
    created_at = timestamp()


channel_in = ChannelIn()
channel_out = ChannelOut()
delivery_out = DeliveryOut()
