"""Values of custom catalogs, one by one or in bulk from a CSV file."""

import io

from personas.domain import custom_catalogs as catalogs
from personas.domain.errors import Rule, Text, ValidationFailed
from personas.handlers.envelope import envelope, paginated
from personas.handlers.errors import PayloadTooLarge
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.custom_catalogs import value_in, value_out

MAX_CSV_BYTES = 2 * 1024 * 1024
CSV_TOO_LARGE = Text("El CSV admite hasta {} bytes", "CSV files are limited to {} bytes")
ONE_FILE = Rule(
    "file_source", "Envíe el CSV en csv_file o en file, uno solo", "Send the CSV in csv_file or in file, exactly one"
)


def list_custom_catalog_values(page=1, per_page=20, custom_catalog_id=None, cursor=None):
    with unit_of_work() as uow:
        result = uow.custom_catalogs.values_page(page, per_page, custom_catalog_id, cursor)
        return paginated(result, value_out.dump(result.items, many=True))


def create_custom_catalog_value(body):
    data = value_in.load(body)
    with unit_of_work() as uow:
        record = catalogs.create_value(uow, data)
        uow.commit()
        return envelope(value_out.dump(record)), 201


def get_custom_catalog_value(id):
    with unit_of_work() as uow:
        return envelope(value_out.dump(catalogs.get_value(uow, id)))


def update_custom_catalog_value(id, body):
    data = value_in.load(body)
    with unit_of_work() as uow:
        record = catalogs.update_value(uow, id, data)
        uow.commit()
        return envelope(value_out.dump(record))


def _csv_stream(part):
    """A binary stream over the CSV and its size. The part's filename and content type are not trusted or used:
    the content is read as UTF-8 CSV whatever they say. A part sent as a plain form field is taken as the text."""
    if isinstance(part, str):
        data = part.encode("utf-8")
        return io.BytesIO(data), len(data)
    stream = part.stream
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return stream, size


def bulk_create_custom_catalog_values(body, csv_file=None, file=None):
    body = body or {}
    sent = [part for part in (csv_file, file, body.get("csv_file"), body.get("file")) if part not in (None, "")]
    if len(sent) != 1:
        raise ValidationFailed({catalogs.FILE_FIELD: [ONE_FILE]})
    stream, size = _csv_stream(sent[0])
    if size > MAX_CSV_BYTES:
        raise PayloadTooLarge(CSV_TOO_LARGE.format(MAX_CSV_BYTES))
    with unit_of_work() as uow:
        catalogs.bulk_create(uow, body["custom_catalog_id"], stream)
        uow.commit()
    return envelope("Ok"), 201
