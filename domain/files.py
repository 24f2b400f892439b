"""Files: content sniffing, size limits, clean names, signed download links, and the media use cases.

Use cases take a unit of work (its `media` and `temporary_files` repositories) and the storage.
"""

import hashlib
import hmac
import re
import tempfile
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from personas.domain import json_depth
from personas.domain.errors import Rule, Text, ValidationFailed

MAX_FILE = 2 * 1024 * 1024
MAX_TEMPORARY_FILE = 10 * 1024 * 1024
TEMPORARY_LIFETIME = timedelta(hours=24)
CHUNK = 65536
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
UNKNOWN_MODEL = Rule("unknown_model_record", "No existe el registro del modelo", "Unknown model record")
UNKNOWN_TEMPORARY = Rule(
    "unknown_temporary_file", "No existe el archivo temporal o expiró", "Unknown or expired temporary file"
)
NOT_AN_IMAGE = Rule("not_an_image", "Debe ser una imagen JPG o PNG", "Must be a JPEG or PNG image")
BAD_METADATA = Rule("form_json", "Debe ser un objeto JSON", "Must be a JSON object")
BAD_URL = Text("Debe ser una URL http o https", "Must be an http or https URL")
EMPTY_FILE = Rule("empty_file", "El archivo está vacío", "The file is empty")

# (prefix, offset, mime type): what the first bytes say, whatever the name or the client's header say.
_SIGNATURES = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"%PDF-", 0, "application/pdf"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"PK\x03\x04", 0, "application/zip"),
)


class TooLarge(Exception):
    """A file beyond its limit (rendered as 413)."""

    def __init__(self, limit: int):
        super().__init__(Text(f"El archivo excede {limit} bytes", f"The file is larger than {limit} bytes"))
        self.limit = limit


def sniff(head: bytes) -> str:
    """The mime type the content shows; text when it decodes as UTF-8, octet-stream otherwise."""
    for magic, offset, mime in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return mime
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 3:
            return "application/octet-stream"
    return "application/octet-stream" if b"\x00" in head else "text/plain"


@dataclass
class Upload:
    """A received file, spooled (memory up to 1 MB, then disk), with what its content says it is."""

    stream: BinaryIO
    size: int
    mime_type: str
    file_name: str
    sha256: str

    @property
    def name(self) -> str:
        return self.file_name.rsplit(".", 1)[0] or self.file_name


def receive(source: BinaryIO, file_name: str | None, limit: int = MAX_FILE, field: str = "file") -> Upload:
    """Copy `source` a chunk at a time, stopping as soon as it passes `limit` (TooLarge)."""
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - handed to the caller
    size, head, digest = 0, b"", hashlib.sha256()
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise TooLarge(limit)
        if len(head) < 512:
            head += chunk[: 512 - len(head)]
        digest.update(chunk)
        spool.write(chunk)
    if size == 0:
        spool.close()
        raise ValidationFailed({field: [EMPTY_FILE]})
    spool.seek(0)
    return Upload(spool, size, sniff(head), clean_name(file_name, field), digest.hexdigest())


def clean_name(file_name: str | None, fallback: str = "file") -> str:
    """A display name: the last path part, printable, at most 200 characters. Never a path."""
    name = re.split(r"[\\/]", file_name or "")[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C")
    name = name.strip().strip(".")[:200]
    return name or fallback


def require_image(upload: Upload, field: str) -> None:
    if upload.mime_type not in IMAGE_TYPES:
        raise ValidationFailed({field: [NOT_AN_IMAGE]})


def parse_metadata(text, field: str = "metadata") -> dict | None:
    """`metadata` as a JSON object (a dict already parsed by the spec, or its text form)."""
    if text is None or isinstance(text, dict):
        return text
    try:
        value = json_depth.loads(text)
    except (TypeError, ValueError):  # not JSON text, or nested too deep (json_depth.TooDeep)
        value = None
    if not isinstance(value, dict):
        raise ValidationFailed({field: [BAD_METADATA]})
    return value


def sign(secret: str, media_uuid: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"{media_uuid}:{expires}".encode(), hashlib.sha256).hexdigest()


def signature_ok(secret: str, media_uuid: str, expires: int, signature: str, now: datetime | None = None) -> bool:
    """Valid and not expired; compared in constant time."""
    now_ts = (now or datetime.now(UTC)).timestamp()
    return expires >= now_ts and hmac.compare_digest(sign(secret, media_uuid, expires).encode(), signature.encode())


def media_key(media_uuid: str) -> str:
    return f"media/{media_uuid}"


def temporary_key(tmp_id: str) -> str:
    return f"tmp/{tmp_id}"


def require_owner(uow, model: str, model_id: str, field: str = "model_id") -> None:
    """The owner must exist (a person must not be deleted); 422 on the client's `model_id` otherwise."""
    # A deleted person owns no new files.
    person = model == "person"
    if not (uow.people.get(model_id) is not None if person else uow.media.owner_exists(model, model_id)):
        raise ValidationFailed({field: [UNKNOWN_MODEL]})


def new_uuid() -> str:
    return str(uuid.uuid4())
