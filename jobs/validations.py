"""The background job that runs one validation result, and the HTTP calls of external/document checks.

`run_validation(ctx, result_id)` is idempotent: it reads the pending result, runs the check outside
any transaction, then stores the outcome only if the result is still pending with the same retry
count (domain.validations.finish_run), so a second delivery of the same job changes nothing.

Calls go through jobs.outbound's SSRF guard (`check_url`: public addresses, or the allowlist; the
connection pinned to the checked address; no redirects followed; bounded time and size). outbound
only offers a JSON POST, and validations need GET/PUT/PATCH and multipart, so `call` below adds
the method and body on top of the same guard and connection.
"""

import http.client
import json
import threading
import time
import uuid

from personas.domain import validation_checks as checks
from personas.domain import validations
from personas.domain.media import StoredFiles
from personas.domain.providers.http import abort, pinned_connection
from personas.domain.providers.identity import build_identity_provider
from personas.jobs import outbound
from personas.persistence.models.media import Media
from personas.persistence.storage import storage_for
from personas.persistence.uow import UnitOfWork


def _multipart(fields: dict, upload: tuple) -> tuple[bytes, str]:
    """A multipart/form-data body: each field as text (JSON for non-strings), then the file."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{text}\r\n'.encode())
    field, filename, content, content_type = upload
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
    parts.append(f"{head}Content-Type: {content_type or 'application/octet-stream'}\r\n\r\n".encode())
    parts.append(content + f"\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def call(method, url, headers, body, upload, allowlist=(), timeout=outbound.TIMEOUT, max_bytes=outbound.MAX_BYTES):
    """(status, body bytes) of one guarded call; raises checks.CallFailed when refused or failed."""
    try:
        scheme, host, port, path, address = outbound.check_url(url, allowlist)
    except outbound.OutboundRefused as refused:
        raise checks.CallFailed(f"refused: {refused}") from refused
    sent = {"User-Agent": outbound.USER_AGENT, **headers}
    data = None
    if upload is not None:
        data, sent["Content-Type"] = _multipart(body, upload)
    elif method != "GET":
        data, sent["Content-Type"] = json.dumps(body, ensure_ascii=False, default=str).encode(), "application/json"
    conn = pinned_connection(scheme, host, port, address, timeout)
    expired, started = threading.Event(), time.monotonic()
    watchdog = threading.Timer(timeout, abort, (conn, expired))
    try:
        conn.connect()
        watchdog.interval = max(0.0, timeout - (time.monotonic() - started))
        watchdog.start()
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        chunks, size = [], 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > max_bytes:
                raise checks.CallFailed(f"calling {host}: the response is larger than {max_bytes} bytes")
            chunks.append(chunk)
        if expired.is_set():
            raise checks.CallFailed(f"calling {host}: took longer than {timeout} s")
        return response.status, b"".join(chunks)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        timed_out = expired.is_set() or isinstance(exc, TimeoutError)
        reason = f"took longer than {timeout} s" if timed_out else type(exc).__name__
        raise checks.CallFailed(f"calling {host}: {reason}") from exc
    finally:
        watchdog.cancel()
        conn.close()


def run_validation(ctx, result_id: str) -> int | None:
    """Run a pending validation result and store its outcome; returns the status, None if nothing ran."""
    with UnitOfWork(ctx.session_factory) as uow:
        work = checks.prepare(uow, result_id, StoredFiles(storage_for(ctx.settings), Media))
    if work is None:
        return None
    allowlist = getattr(ctx.settings, "outbound_allowlist", ())

    def http(method, url, headers, body, upload):
        return call(method, url, headers, body, upload, allowlist)

    outcome = checks.execute(work, http, build_identity_provider(ctx.settings))
    with UnitOfWork(ctx.session_factory) as uow:
        validations.finish_run(uow, result_id, work.retries, outcome)
        uow.commit()
    return outcome[0]
