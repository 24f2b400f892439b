"""Builds the storage adapter that `settings.storage_url` names: `s3://bucket/prefix`, or a local folder.

The S3 endpoint and credentials come from the settings' `s3_*` fields (unset: boto3's own chain, e.g. an
instance role).
"""

import functools
from urllib.parse import urlsplit

from personas.persistence.storage_local import LocalStorage

# boto3's option -> the settings field that holds it.
S3_OPTIONS = {
    "endpoint_url": "s3_endpoint_url",
    "region_name": "s3_region",
    "aws_access_key_id": "s3_access_key_id",
    "aws_secret_access_key": "s3_secret_access_key",
}


def open_storage(url: str, options: dict | None = None):
    if url.startswith("s3://"):
        from personas.persistence.storage_s3 import S3Storage  # boto3 only loads when S3 is configured

        parts = urlsplit(url)
        return S3Storage(parts.netloc, parts.path, **{k: v for k, v in (options or {}).items() if v})
    return LocalStorage(url[len("file://") :] if url.startswith("file://") else url)


@functools.cache
def _cached(url: str, options: tuple):
    return open_storage(url, dict(options))


def storage_for(settings):
    """One adapter per configuration for the life of the process (boto3 clients are thread-safe): the
    apps a test process builds on one folder or bucket share it."""
    options = {name: getattr(settings, field, None) for name, field in S3_OPTIONS.items()}
    return _cached(settings.storage_url, tuple(sorted(options.items())))
