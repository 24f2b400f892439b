"""Files: uploads to a model, temporary files, lists, deletes, and signed temporary links."""

import contextlib
import time
from urllib.parse import quote, urlencode

from connexion.exceptions import ProblemException
from flask import Response

from personas.domain import files, media
from personas.domain.errors import NotFound, Rule, ValidationFailed
from personas.handlers.envelope import envelope, paginated
from personas.handlers.errors import PayloadTooLarge
from personas.handlers.http_policy import site_url
from personas.handlers.outbound_urls import url_policy
from personas.handlers.runtime import current, unit_of_work
from personas.handlers.schemas.files import temporary_file_out

# The seed's `result` texts; what the service has to add (the media, whether the work was queued) goes
# beside `result` in the envelope.
FILE_SAVED, FILES_SAVED, FILES_QUEUED, DELETED = "File saved", "Files saved", "Files queued", "Ok"
MISSING_FILE = Rule("file_source", "Envíe `file` o `file_tmp_id`", "Send `file` or `file_tmp_id`")


def storage():
    return current().storage


def receive(upload, limit: int = files.MAX_FILE, field: str = "file") -> files.Upload:
    """The multipart part copied a chunk at a time (the parser has spooled it to disk); 413 past `limit`."""
    try:
        return files.receive(upload.stream, upload.filename, limit, field)
    except files.TooLarge as exc:
        raise PayloadTooLarge(exc.args[0]) from exc


def forget(keys) -> None:
    """Remove stored objects whose rows are gone (after the commit that removed them)."""
    for key in keys:
        with contextlib.suppress(Exception):  # a leftover object costs space, not correctness
            storage().delete(key)


def upload_file(body, file=None):
    target = {**body, "metadata": files.parse_metadata(body.get("metadata"))}
    leftovers = []
    with unit_of_work() as uow:
        if file is not None:
            upload = receive(file)
        elif body.get("file_tmp_id"):
            upload, key = media.take_temporary(uow, storage(), body["file_tmp_id"], "file_tmp_id")
            leftovers.append(key)
        else:
            raise ValidationFailed({"file": [MISSING_FILE]})
        found = media.add_media(uow, storage(), target=target, upload=upload)
        result = media.view(found)
        uow.commit()
    forget(leftovers)
    return envelope(FILE_SAVED, media=result)


def save_temporary_files(body):
    items = body["files"] if isinstance(body["files"], list) else [body["files"]]
    if body.get("async"):
        # The ids are checked now so a mistake is the client's 422, not a silent failure later.
        with unit_of_work() as uow:
            for i, item in enumerate(items):
                files.require_owner(uow, item["model"], item["model_id"], f"files.{i}.model_id")
                if uow.temporary_files.get(item["tmp_id"]) is None:
                    raise ValidationFailed({f"files.{i}.tmp_id": [files.UNKNOWN_TEMPORARY]})
        current().jobs.enqueue("personas.jobs.files.attach_temporary", [dict(item) for item in items])
        return envelope(FILES_QUEUED, queued=True, media=[])
    # The seed answers "Files queued" to this form too (its sample has async false).
    return envelope(FILES_QUEUED, queued=False, media=attach_temporary(items, "files.{}.tmp_id", "tmp_id"))


def attach_temporary(items, field: str, id_key: str) -> list:
    leftovers, result = [], []
    with unit_of_work() as uow:
        for i, item in enumerate(items):
            upload, key = media.take_temporary(uow, storage(), item[id_key], field.format(i))
            leftovers.append(key)
            found = media.add_media(uow, storage(), target=item, upload=upload)
            result.append(media.view(found))
        uow.commit()
    forget(leftovers)
    return result


def save_files_from_urls(body):
    urls, temporaries = body.get("files") or [], body.get("files_tmp_id") or []
    with unit_of_work() as uow:
        for name, items in (("files", urls), ("files_tmp_id", temporaries)):
            for i, item in enumerate(items):
                files.require_owner(uow, item["model"], item["model_id"], f"{name}.{i}.model_id")
        for i, item in enumerate(temporaries):
            if uow.temporary_files.get(item["uuid"]) is None:
                raise ValidationFailed({f"files_tmp_id.{i}.uuid": [files.UNKNOWN_TEMPORARY]})
    # Checked now (a refusal is the client's 422) and again when downloaded in the background, through
    # the SSRF guard of domain/providers/outbound.py, since what a name resolves to can change in between.
    policy = url_policy()
    refused = {f"files.{i}.url": errors for i, item in enumerate(urls) if (errors := policy.errors(item["url"]))}
    if refused:
        raise ValidationFailed(refused)
    current().jobs.enqueue(
        "personas.jobs.files.save_from_urls", [dict(i) for i in urls], [dict(i) for i in temporaries]
    )
    return envelope(FILES_SAVED, queued=True)


def upload_temporary_file(body=None, file=None):
    upload = receive(file, files.MAX_TEMPORARY_FILE)
    with unit_of_work() as uow:
        record = media.save_temporary(uow, storage(), upload)
        result = temporary_file_out.dump(record)
        uow.commit()
    current().jobs.enqueue("personas.jobs.files.purge_expired_temporary_files")
    return envelope(result), 201


def temporary_url(found, minutes: int) -> str:
    seconds = minutes * 60
    presigned = storage().presigned_url(found.storage_key, seconds, found.file_name, found.mime_type)
    if presigned:
        return presigned
    expires = int(time.time()) + seconds
    query = urlencode({"expires": expires, "signature": files.sign(current().settings.secret_key, found.uuid, expires)})
    return f"{site_url()}/api/v1/files/{found.uuid}/download?{query}"


def list_files(
    model, model_id, collection=None, include_tmp_url=False, expires_in_min=5, page=1, per_page=20, cursor=None
):
    query = {"model": model, "model_id": model_id, "collection": collection}
    with unit_of_work() as uow:
        # The use case passes the page number through to the repository; it carries the cursor.
        result = media.list_media(uow, query, page, per_page, cursor)
        items = [
            media.view(m) | ({"temporary_url": temporary_url(m, expires_in_min)} if include_tmp_url else {})
            for m in result.items
        ]
        return paginated(result, items)


def get_file_temporary_url(id, expires_in_min=5):
    with unit_of_work() as uow:
        found = media.find_media(uow, id)
        return envelope(media.view(found) | {"temporary_url": temporary_url(found, expires_in_min)})


def delete_file(model, model_id, media_uuid, collection=None):
    query = {"model": model, "model_id": model_id, "media_uuid": media_uuid, "collection": collection}
    with unit_of_work() as uow:
        ids, key = media.delete_media(uow, query)
        uow.commit()
    forget([key])
    return envelope(DELETED, deleted=ids)


def download_file(id, expires, signature):
    if not files.signature_ok(current().settings.secret_key, id, expires, signature):
        raise ProblemException(status=403, title="Forbidden", detail="Failed authorization")
    with unit_of_work() as uow:
        found = media.find_media(uow, id)
        key, name, mime = found.storage_key, found.file_name, found.mime_type
    try:
        chunks = storage().chunks(key)
    except FileNotFoundError as exc:
        raise NotFound(media.FILE_NOT_FOUND) from exc
    # A plain ASCII name for old clients, the exact one (RFC 6266) for the rest; quotes cannot break out.
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    disposition = f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
    return Response(chunks, mimetype=mime or "application/octet-stream", headers={"Content-Disposition": disposition})
