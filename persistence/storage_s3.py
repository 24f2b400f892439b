"""The S3-compatible storage adapter (`s3://bucket/prefix`), through boto3."""

from collections.abc import Iterator
from typing import BinaryIO
from urllib.parse import quote

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

CHUNK = 65536


class S3Storage:
    disk = "s3"

    def __init__(self, bucket: str, prefix: str = "", client=None, **client_options):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client or boto3.client(
            "s3", config=Config(signature_version="s3v4", retries={"max_attempts": 3}), **client_options
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, key: str, stream: BinaryIO, mime_type: str) -> None:
        # upload_fileobj reads the stream in parts, so a file is never wholly in memory.
        self.client.upload_fileobj(stream, self.bucket, self._key(key), ExtraArgs={"ContentType": mime_type})

    def chunks(self, key: str) -> Iterator[bytes]:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from exc
            raise
        return body.iter_chunks(CHUNK)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def presigned_url(self, key: str, expires_in: int, file_name: str, mime_type: str | None) -> str | None:
        params = {
            "Bucket": self.bucket,
            "Key": self._key(key),
            "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(file_name)}",
        }
        if mime_type:
            params["ResponseContentType"] = mime_type
        return self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
