"""People import (CSV/XLSX, uploaded or a temporary file) and CSV export, streamed both ways."""

import tempfile
from datetime import UTC, datetime

from flask import Response

from personas.domain import people_export, people_import
from personas.domain.errors import Rule, ValidationFailed
from personas.handlers.envelope import envelope
from personas.handlers.runtime import current, unit_of_work

UNKNOWN_TMP_FILE = Rule(
    "unknown_temporary_file", "No existe el archivo temporal o expiró", "Unknown or expired temporary file"
)
ONE_SOURCE = Rule("file_source", "Envíe `file` o `tmp_file_id`, uno de los dos", "Send either `file` or `tmp_file_id`")
SPOOL_IN_MEMORY = 1024 * 1024  # a temporary file bigger than this is copied to disk, not held in memory
BATCH_SIZE = 500  # rows per committed transaction: what a crash can lose, and what the session holds
CSV_CHUNK_ROWS = 1000  # rows per chunk sent to the client (~130 kB): fewer writes, still flat memory


def _temporary_file(tmp_file_id: str):
    """The bytes of a live temporary file as a seekable stream (spooled to disk past 1 MB), or 422.

    The temporary file is kept (it expires on its own): after a crash the same id can be sent again.
    """
    with unit_of_work() as uow:
        record = uow.temporary_files.get(tmp_file_id)
        if record is None or record.expires_at <= datetime.now(UTC).replace(tzinfo=None):
            raise ValidationFailed({"tmp_file_id": [UNKNOWN_TMP_FILE]})
        key = record.storage_key
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - closed by the caller
    try:
        for chunk in current().storage.chunks(key):
            spooled.write(chunk)
    except FileNotFoundError:
        spooled.close()
        raise ValidationFailed({"tmp_file_id": [UNKNOWN_TMP_FILE]}) from None
    spooled.seek(0)
    return spooled


def import_people(body=None, file=None):
    tmp_file_id = (body or {}).get("tmp_file_id")
    if (file is None) == (not tmp_file_id):
        raise ValidationFailed({"file": [ONE_SOURCE]})
    # Werkzeug spools an upload to disk past 500 kB; either way the stream is read a chunk at a time.
    stream = file.stream if file is not None else _temporary_file(tmp_file_id)
    try:
        report = people_import.import_people(unit_of_work, people_import.read_rows(stream), BATCH_SIZE)
    finally:
        stream.close()
    # The seed's `result` is a list: the failed rows; the counts go beside it.
    failed_rows = report.pop("rows")
    return envelope(failed_rows, summary=report)


def export_people(body):
    start, end = people_export.date_range(body.get("start_date"), body.get("end_date"))
    with_address, with_contact = people_export.sections(body.get("exclude") or ())
    names = people_export.header(with_address, with_contact)
    # Created now, while the request's context (the API key) is at hand; entered inside the stream.
    uow = unit_of_work(readonly=True)  # a long read: it must not hold SQLite's write lock

    def stream():
        with uow:
            rows = uow.people_export.rows(start, end, with_address, with_contact)
            yield from people_export.csv_chunks(names, rows, CSV_CHUNK_ROWS)

    headers = {"Content-Disposition": 'attachment; filename="people.csv"'}
    return Response(stream(), status=200, mimetype="text/csv", content_type="text/csv; charset=utf-8", headers=headers)
