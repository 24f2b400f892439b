"""Temporary-file responses (media rows are shown by domain.media.view, shared with the event payload)."""

from marshmallow import Schema, fields

from personas.handlers.schemas import timestamp


class TemporaryFileOut(Schema):
    id = fields.String()
    file_name = fields.String()
    mime_type = fields.String()
    size = fields.Integer()
    expires_at = timestamp()
    created_at = timestamp()


temporary_file_out = TemporaryFileOut()
