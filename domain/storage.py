"""Where file bytes live: an interface with a local-folder and an S3-compatible adapter (persistence/).

Keys are built by the service from ids (`media/<uuid>`, `tmp/<uuid>`), never from a client's file name.
"""

from collections.abc import Iterator
from typing import BinaryIO, Protocol


class Storage(Protocol):
    # The media row's `disk`: "local" or "s3".
    disk: str

    def save(self, key: str, stream: BinaryIO, mime_type: str) -> None:
        """Store the stream's bytes (read in chunks) under `key`, replacing any."""

    def chunks(self, key: str) -> Iterator[bytes]:
        """The bytes under `key`, a chunk at a time; FileNotFoundError when there is none."""

    def delete(self, key: str) -> None:
        """Remove `key`; a missing key is not an error (deleting twice is safe)."""

    def presigned_url(self, key: str, expires_in: int, file_name: str, mime_type: str | None) -> str | None:
        """A URL the storage itself serves for `expires_in` seconds, or None when the service must sign one."""
