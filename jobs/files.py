"""Background file work: files from URLs, temporary files (`async=true`), purge of expired temporary files."""

import contextlib
import logging
import tempfile
from urllib.parse import unquote, urlsplit

from personas.domain import files, media
from personas.domain.errors import ValidationFailed
from personas.domain.providers import outbound

log = logging.getLogger("personas.jobs.files")
BATCH = 200
DOWNLOAD_TIMEOUT = 20.0


def fetch(url: str, allowlist) -> files.Upload:
    """Download `url` through the SSRF guard, at most 2 MB, spooled; its type from its content."""
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - read by receive, then dropped
    try:
        response = outbound.download(url, spool, allowlist, timeout=DOWNLOAD_TIMEOUT, max_bytes=files.MAX_FILE)
    except outbound.OutboundFailed as failed:
        if "larger than" in str(failed):
            raise files.TooLarge(files.MAX_FILE) from failed
        raise
    if not 200 <= response.status < 300:
        raise outbound.OutboundFailed(f"{urlsplit(url).hostname} answered {response.status}")
    spool.seek(0)
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return files.receive(spool, name, files.MAX_FILE, "url")


def save_from_urls(ctx, urls: list[dict], temporaries: list[dict]) -> int:
    """All or nothing: download every URL, take every temporary file, then commit their media at once.

    A refused URL, an oversized file or an owner gone since the request is logged and not retried; a
    network failure is raised so the runner retries the whole job (nothing was committed).
    """
    storage = ctx.storage
    leftovers = []
    with ctx.unit_of_work() as uow:
        try:
            for item in urls:
                upload = fetch(item["url"], ctx.settings.outbound_allowlist)
                media.add_media(uow, storage, target=item, upload=upload)
            for item in temporaries:
                upload, key = media.take_temporary(uow, storage, item["uuid"], "uuid")
                leftovers.append(key)
                media.add_media(uow, storage, target=item, upload=upload)
        except (outbound.OutboundRefused, files.TooLarge, ValidationFailed) as refused:
            log.warning("files from URLs not saved: %s", refused)
            return 0
        uow.commit()
    for key in leftovers:
        with contextlib.suppress(Exception):
            storage.delete(key)
    return len(urls) + len(temporaries)


def attach_temporary(ctx, items: list[dict]) -> int:
    """Attach each temporary file to its model; one that vanished or whose owner went away is skipped."""
    storage = ctx.storage
    done = 0
    for item in items:
        with ctx.unit_of_work() as uow:
            try:
                upload, key = media.take_temporary(uow, storage, item["tmp_id"], "tmp_id")
                media.add_media(uow, storage, target=item, upload=upload)
            except ValidationFailed as exc:
                # Running twice is safe: a file already attached is no longer a temporary file.
                log.warning("temporary file %s not attached: %s", item.get("tmp_id"), exc)
                continue
            uow.commit()
        with contextlib.suppress(Exception):
            storage.delete(key)
        done += 1
    return done


def purge_expired_temporary_files(ctx) -> int:
    """Delete temporary files past `expires_at`, rows and bytes, a batch at a time."""
    storage = ctx.storage
    removed = 0
    while True:
        with ctx.unit_of_work() as uow:
            batch = uow.temporary_files.expired(media._now(), BATCH)
            keys = [record.storage_key for record in batch]
            for record in batch:
                uow.temporary_files.delete(record)
            uow.commit()
        for key in keys:
            with contextlib.suppress(Exception):
                storage.delete(key)
        removed += len(batch)
        if len(batch) < BATCH:
            return removed
