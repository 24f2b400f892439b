"""Media use cases: attach a file to a model, from an upload or a temporary file; list; delete.

Bytes go to the storage before the row is committed; keys to remove are returned to the caller,
which deletes them only after its commit (a rolled-back request must not lose a stored file).
"""

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from personas.domain.errors import NotFound, Text, ValidationFailed
from personas.domain.files import (
    TEMPORARY_LIFETIME,
    UNKNOWN_TEMPORARY,
    Upload,
    media_key,
    new_uuid,
    require_owner,
    temporary_key,
)
from personas.domain.timestamps import iso

EVENT = "media_added_to_model"
FILE_NOT_FOUND = Text("No se encontró el archivo", "File not found")
log = logging.getLogger("personas")


class ChunkReader(io.RawIOBase):
    """A read-only stream over an iterator of byte chunks (a stored object, copied without loading it)."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks, self._rest = chunks, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._rest:
            self._rest = next(self._chunks, b"")
            if not self._rest:
                return 0
        size = min(len(buffer), len(self._rest))
        buffer[:size], self._rest = self._rest[:size], self._rest[size:]
        return size


def view(found) -> dict:
    """A media as the API and the `media_added_to_model` payload show it (the seed's media row)."""
    return {
        "id": found.id,
        "model_type": found.model_type,
        "model_id": found.model_id,
        "uuid": found.uuid,
        "collection_name": found.collection_name,
        "name": found.name,
        "file_name": found.file_name,
        "mime_type": found.mime_type,
        "disk": found.disk,
        "conversions_disk": found.disk,
        "size": found.size,
        "manipulations": [],
        "custom_properties": found.custom_properties,
        "generated_conversions": [],
        "responsive_images": [],
        "order_column": found.order_column,
        "conversions": {},
        "created_at": iso(found.created_at),
        "updated_at": iso(found.updated_at),
    }


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def add_media(uow, storage, *, target: dict, upload: Upload):
    """Store `upload` for `target` (model, model_id, collection, metadata); records `media_added_to_model`."""
    require_owner(uow, target["model"], target["model_id"])
    media_uuid = new_uuid()
    media = uow.media.new(
        uuid=media_uuid,
        model_type=target["model"],
        model_id=target["model_id"],
        collection_name=target.get("collection") or "default",
        name=upload.name,
        file_name=upload.file_name,
        mime_type=upload.mime_type,
        disk=storage.disk,
        size=upload.size,
        custom_properties=target.get("metadata"),
        order_column=0,
        storage_key=media_key(media_uuid),
    )
    storage.save(media.storage_key, upload.stream, upload.mime_type)
    uow.flush()
    uow.events.record(EVENT, "media", media.uuid, view(media))
    return media


def save_temporary(uow, storage, upload: Upload):
    """Keep an upload for 24 hours under a new id."""
    tmp_id = new_uuid()
    record = uow.temporary_files.new(
        id=tmp_id,
        file_name=upload.file_name,
        mime_type=upload.mime_type,
        size=upload.size,
        storage_key=temporary_key(tmp_id),
        expires_at=_now() + TEMPORARY_LIFETIME,
    )
    storage.save(record.storage_key, upload.stream, upload.mime_type)
    uow.flush()
    return record


def take_temporary(uow, storage, tmp_id: str, field: str) -> tuple[Upload, str]:
    """The temporary file as an upload to attach, and its key to delete after commit; 422 if unknown or expired."""
    record = uow.temporary_files.get(tmp_id) if tmp_id else None
    if record is None or record.expires_at < _now():
        raise ValidationFailed({field: [UNKNOWN_TEMPORARY]})
    try:
        stream = io.BufferedReader(ChunkReader(storage.chunks(record.storage_key)))
    except FileNotFoundError as exc:
        raise ValidationFailed({field: [UNKNOWN_TEMPORARY]}) from exc
    key = record.storage_key
    name = record.file_name
    upload = Upload(stream, record.size, record.mime_type, name, "")
    uow.temporary_files.delete(record)
    return upload, key


def list_media(uow, query: dict, page: int, per_page: int, cursor: str | None = None):
    require_owner(uow, query["model"], query["model_id"])
    owner = {"model_type": query["model"], "model_id": query["model_id"]}
    return uow.media.page(page, per_page, cursor=cursor, collection_name=query.get("collection"), **owner)


def find_media(uow, media_uuid: str, **owner):
    """The media with that uuid (and owner, when given); 404 otherwise."""
    found = uow.media.page(1, 1, uuid=media_uuid, **owner).items
    if not found:
        raise NotFound(FILE_NOT_FOUND)
    return found[0]


def delete_media(uow, query: dict) -> tuple[dict, str]:
    """Remove the media of that model (and collection); returns its ids and the key to delete after commit."""
    media = find_media(
        uow,
        query["media_uuid"],
        model_type=query["model"],
        model_id=query["model_id"],
        collection_name=query.get("collection"),
    )
    ids = {"id": media.id, "uuid": media.uuid}
    uow.media.delete(media)
    return ids, media.storage_key


class StoredFiles:
    """The files validations read (domain.validation_checks): a record's collection from its media rows
    and the storage, newest first; `others` the same collection of other people, the newest `scan`
    of them (face duplicity against a bounded window; a real provider would search a face index)."""

    def __init__(self, storage, scan: int = 200):
        self.storage, self.scan = storage, scan

    def _read(self, media) -> bytes | None:
        try:
            return b"".join(self.storage.chunks(media.storage_key))
        except Exception:  # noqa: BLE001 - any adapter's "gone": a row whose object was lost counts as absent
            log.warning("media %s: stored object %s cannot be read", media.uuid, media.storage_key)
            return None

    def collection(self, uow, model_type: str, model_id: str, name: str) -> list:
        owner = {"model_type": model_type, "model_id": model_id}
        found = uow.media.page(1, 10, collection_name=name, **owner)
        read = [(m, self._read(m)) for m in found.items]
        return [(m.file_name, content, m.mime_type) for m, content in read if content is not None]

    def others(self, uow, person_id: str, name: str) -> list:
        found = uow.media.page(1, self.scan, model_type="person", collection_name=name)
        newest = {}
        for m in found.items:
            if m.model_id != person_id and m.model_id not in newest:
                newest[m.model_id] = m
        read = [(owner, self._read(m)) for owner, m in newest.items()]
        return [(owner, content) for owner, content in read if content is not None]
