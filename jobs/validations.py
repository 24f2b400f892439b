"""The background job that runs one validation result, and the HTTP calls of external/document checks.

`run_validation(ctx, result_id)` is idempotent: it reads the pending result, runs the check outside
any transaction, then stores the outcome only if the result is still pending with the same retry
count (domain.validations.finish_run), so a second delivery of the same job changes nothing.

Calls go through domain.providers.outbound's SSRF guard (public addresses, or the allowlist; the
connection pinned to the checked address; no redirects followed; bounded time and size); `call`
below builds the body a check's method asks for (JSON, multipart, or none for GET).
"""

import json
import uuid

from personas.domain import validation_checks as checks
from personas.domain import validations
from personas.domain.media import StoredFiles
from personas.domain.providers import outbound


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
    sent, data = dict(headers), None
    if upload is not None:
        data, sent["Content-Type"] = _multipart(body, upload)
    elif method != "GET":
        data, sent["Content-Type"] = json.dumps(body, ensure_ascii=False, default=str).encode(), "application/json"
    try:
        with outbound.Session(outbound.allowlist_policy(allowlist), timeout, max_bytes) as session:
            response = session.request(method, url, data, sent)
    except outbound.OutboundRefused as refused:
        raise checks.CallFailed(f"refused: {refused}") from refused
    except outbound.OutboundFailed as failed:
        raise checks.CallFailed(str(failed)) from failed
    return response.status, response.body


def run_validation(ctx, result_id: str) -> int | None:
    """Run a pending validation result and store its outcome; returns the status, None if nothing ran."""
    with ctx.unit_of_work() as uow:
        work = checks.prepare(uow, result_id, StoredFiles(ctx.storage))
    if work is None:
        return None
    allowlist = getattr(ctx.settings, "outbound_allowlist", ())

    def http(method, url, headers, body, upload):
        return call(method, url, headers, body, upload, allowlist)

    in_use = getattr(ctx.settings, "curp_registry_url", None) or work.registry_loaded
    registry = ctx.providers.get("curp_registry") if in_use else None
    outcome = checks.execute(work, http, ctx.providers["identity"], registry)
    with ctx.unit_of_work() as uow:
        validations.finish_run(uow, result_id, work.retries, outcome)
        uow.commit()
    return outcome[0]
