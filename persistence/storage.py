"""Builds the storage adapter that PERSONAS_STORAGE_URL names: `s3://bucket/prefix`, or a local folder.

The S3 endpoint and credentials are read from the settings when they carry them, else from
PERSONAS_S3_ENDPOINT_URL, PERSONAS_S3_REGION, PERSONAS_S3_ACCESS_KEY_ID, PERSONAS_S3_SECRET_ACCESS_KEY
(unset: boto3's own chain, e.g. an instance role).
"""

import functools
import os
from urllib.parse import urlsplit

from personas.persistence.storage_local import LocalStorage

S3_OPTIONS = {
    "endpoint_url": "PERSONAS_S3_ENDPOINT_URL",
    "region_name": "PERSONAS_S3_REGION",
    "aws_access_key_id": "PERSONAS_S3_ACCESS_KEY_ID",
    "aws_secret_access_key": "PERSONAS_S3_SECRET_ACCESS_KEY",
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


def storage_for(settings, env=os.environ):
    """One adapter per configuration for the life of the process (boto3 clients are thread-safe)."""
    options = {
        name: getattr(settings, f"s3_{name.removeprefix('aws_')}", None) or env.get(var)
        for name, var in S3_OPTIONS.items()
    }
    return _cached(settings.storage_url, tuple(sorted(options.items())))
