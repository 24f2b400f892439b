"""The local-folder storage adapter (the default): one file per key under a root folder."""

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 65536
# Keys come from the service (`media/<uuid>`), but are checked anyway: a key is never a way out of the root.
_KEY = re.compile(r"^[a-z]+/[0-9a-f-]{36}$")


class LocalStorage:
    disk = "local"

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def save(self, key: str, stream: BinaryIO, mime_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as out:
            shutil.copyfileobj(stream, out, CHUNK)
        os.replace(out.name, path)

    def chunks(self, key: str) -> Iterator[bytes]:
        handle = open(self._path(key), "rb")  # noqa: SIM115 - closed by the generator, which outlives this call

        def read():
            with handle:
                while chunk := handle.read(CHUNK):
                    yield chunk

        return read()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def presigned_url(self, key: str, expires_in: int, file_name: str, mime_type: str | None) -> str | None:
        return None  # the service signs a link to GET /files/{id}/download
